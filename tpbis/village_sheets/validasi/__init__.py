"""Pieces of the Validasi tab a librarian reads (`tpbis sync --write-back`)."""
