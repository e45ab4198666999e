"""Command-line plumbing shared by every `tpbis` command (error reporting, exit codes)."""
