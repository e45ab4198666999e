"""How an extract sheet reads on screen and on paper: column widths, wrapped lines, A4 print
setup, and the header and footer every printed page carries (xlsx.py writes the cells)."""
from __future__ import annotations

from tpbis.extract.layout import NUMBER_FORMATS

PRINTABLE_WIDTH = {"landscape": 150, "portrait": 100}   # A4 inside the margins, in column-width units
MIN_PRINT_SCALE = 70            # below this, text gets too small to read: print across pages instead
MAX_WIDTH = 28                  # longer text wraps onto more lines

PROVISIONAL_LABEL = "SEMENTARA: triwulan belum berakhir, angka masih dapat berubah"


def longest_word(text: str) -> int:
    return max((len(w) for w in str(text).split()), default=0)


def header_width(label: str) -> float:
    """Wide enough for the header's longest word in bold (never broken mid-word)."""
    return longest_word(label) * 1.2 + 2


def column_width(label: str, values: list, fmt: str) -> float:
    """Header words fit whole; data fits up to MAX_WIDTH (longer text wraps)."""
    shown = [v for v in values[:500] if v is not None]
    if fmt == "month":
        longest = 15                                             # 'September 2022'
    elif fmt in NUMBER_FORMATS:
        longest = max([len(f"{v:,.1f}") for v in shown if isinstance(v, (int, float))] + [0])
    else:
        longest = max([len(str(v)) for v in shown] + [0])
    return round(min(max(longest + 2, header_width(label), 8), max(MAX_WIDTH, header_width(label))), 1)


def text_lines(text: str, width: float, factor: float = 1.0) -> int:
    """Lines a wrapped text takes in a column `width` wide (whole words; `factor` 1.2 for bold)."""
    room, lines, used = max(width - 1, 1), 1, 0.0
    for word in str(text).split():
        need = len(word) * factor
        if used and used + factor + need > room:
            lines, used = lines + 1, need
        else:
            used += (factor if used else 0) + need
    return lines


def header_lines(label: str, width: float) -> int:
    return text_lines(label, width, 1.2)


def print_setup(ws, widths: list[float], key_columns: int) -> None:
    """A4; portrait when the table fits a portrait page, else landscape; fit to the page width
    unless that would shrink text below MIN_PRINT_SCALE %, then print across pages with the
    key columns (code, name) repeated on each. The header row repeats on every page."""
    total = sum(widths) + 2
    ws.set_paper(9)
    orientation = "portrait" if total <= PRINTABLE_WIDTH["portrait"] else "landscape"
    if orientation == "landscape":
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75, )
    ws.repeat_rows(0)
    if total * MIN_PRINT_SCALE / 100 <= PRINTABLE_WIDTH[orientation]:
        ws.fit_to_pages(1, 0)
    else:
        ws.set_print_scale(MIN_PRINT_SCALE + 5)
        ws.print_across()
        if key_columns:
            ws.repeat_columns(0, key_columns - 1)


def _hf(text: str) -> str:
    return text.replace("&", "&&")


def header_footer(ws, meta) -> None:
    """Report title and sheet name on top; page numbers and the quarter at the bottom. `meta`
    is the workbook's xlsx.WorkbookMeta (title, quarter_code, quarter_title, provisional)."""
    centre = f'&C&"-,Bold"{_hf(PROVISIONAL_LABEL)}' if meta.provisional else ""   # every sheet says SEMENTARA
    ws.set_header(f'&L&"-,Bold"{_hf(f"Laporan Triwulan TPBIS {meta.quarter_code} — {meta.title}")}{centre}&R&A',
                  {"margin": 0.3})
    ws.set_footer(f"&L{_hf(meta.quarter_title)}&CHalaman &P dari &N&RDinas Perpustakaan Provinsi Riau",
                  {"margin": 0.3})
