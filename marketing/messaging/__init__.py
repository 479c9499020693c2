"""Messages, recipients and the send pipeline (SPEC MSG)."""
