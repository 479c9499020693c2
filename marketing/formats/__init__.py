"""Local format overrides (FORMAT_MODULE_PATH): numbers grouped in both languages (Django ships no grouping for
Hebrew), and dates day before month on English screens too, as Israel writes them (see docs/DECISIONS.md)."""
