"""Local format overrides (FORMAT_MODULE_PATH): Django ships no number grouping for Hebrew."""
