"""The Salesforce connector and its emulator (SPEC SF)."""
