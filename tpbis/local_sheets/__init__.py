"""A local stand-in for Google: the Sheets/Drive server, workbook files, sample and synthetic villages."""
