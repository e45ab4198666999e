"""Writing into villages' own spreadsheets: the template, its guards, the Validasi write-back."""
