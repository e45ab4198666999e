"""A local stand-in for Google Sheets API v4 and Drive API v3, for the demo, tests and
benchmarks: the sync talks to it through gspread exactly as it talks to Google.

    from tpbis.local_sheets.server import SheetsServer
    with SheetsServer(data_dir) as server:
        server.url  # -> TPBIS_SHEETS_API_URL and TPBIS_DRIVE_API_URL
"""

from tpbis.local_sheets.server.server import SheetsServer, serve_forever
from tpbis.local_sheets.server.values import ApiError

__all__ = ["ApiError", "SheetsServer", "serve_forever"]
