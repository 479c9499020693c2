"""Coupon lists and allocation (SPEC CPN)."""
