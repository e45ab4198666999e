"""`tpbis`, the command line: one module per group of commands, errors and progress display."""
