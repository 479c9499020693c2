"""Flows, triggers, actions and the event outbox (SPEC AUT)."""
