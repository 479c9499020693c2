"""Landing pages and forms (SPEC LND)."""
