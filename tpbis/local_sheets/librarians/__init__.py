"""How librarians fill the report workbook: the words they use, their habits, and one
village's workbook written the way they would (the sample's realism; see tpbis/local_sheets/sample.py)."""
