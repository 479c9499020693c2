"""The connector interface, registry, connections and sync runs (SPEC INT)."""
