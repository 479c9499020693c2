"""Contacts, groups, suppressions, the upsert engine, importers and exporters (SPEC CON, UNS, IMP)."""
