"""API tokens and the OTP step-up gate (SPEC TOK)."""
