"""Real Google: credentials (key file or application default credentials), the access check
of every registered sheet, and a registry kept in a Google Sheet."""
