"""A kabupaten user never sees another kabupaten's villages: not in a page, a chart, a
table, a download or an error (contract section 6). Every route and every download, for
each user; the province user sees everything (so the markers are really on the pages)."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from tests.portal.portal_warehouse import (ALPHA, BETA, GAMMA, OTHER_KABUPATEN_MARKERS,
                                           PROVINCE_FILE_MARKER)

QUARTER = "2023Q4"
PAGES = ["/", f"/?kuartal={QUARTER}", "/?kuartal=2022Q4", "/desa", "/desa?kuartal=2022Q4",
         "/desa?cari=14.72", "/desa?cari=gam&urut=pengunjung&arah=turun", "/desa?urut=ditolak&arah=turun",
         f"/desa/{ALPHA}", f"/desa/{BETA}", "/kualitas", "/kualitas?kuartal=2022Q4",
         f"/unduh/{QUARTER}", "/unduh/2022Q4", "/unduh", "/halaman-tidak-ada", f"/desa/{GAMMA}",
         "/desa/14.72.01.9999", "/desa/bukan-kode", f"/unduh/{QUARTER}/laporan-triwulan-{QUARTER}-kota-dumai.xlsx",
         f"/unduh/{QUARTER}/laporan-triwulan-{QUARTER}-{PROVINCE_FILE_MARKER}.xlsx", "/unduh/2023Q9", "/unduh/2023q4"]


def leaks(text: str) -> list[str]:
    return [m for m in OTHER_KABUPATEN_MARKERS + [PROVINCE_FILE_MARKER] if m.lower() in text.lower()]


@pytest.mark.parametrize("path", PAGES)
def test_bengkalis_user_sees_no_other_kabupaten(clients, path):
    response = clients["bengkalis"].get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    assert leaks(response.text) == [], path


@pytest.mark.parametrize("path", [f"/desa/{GAMMA}", "/desa/14.72.01.9999", "/desa/14.03.01.9999",
                                  f"/unduh/{QUARTER}/laporan-triwulan-{QUARTER}-kota-dumai.xlsx",
                                  f"/unduh/{QUARTER}/laporan-triwulan-{QUARTER}-{PROVINCE_FILE_MARKER}.xlsx",
                                  "/unduh/2023Q9", "/unduh/2023-Q4"])
def test_other_kabupaten_and_missing_answer_the_same_404(clients, path):
    response = clients["bengkalis"].get(path)
    assert response.status_code == 404
    assert "Tidak ditemukan" in response.text


def test_another_kabupatens_village_is_indistinguishable_from_a_missing_one(clients):
    other = clients["bengkalis"].get(f"/desa/{GAMMA}")
    missing = clients["bengkalis"].get("/desa/14.72.01.9999")
    assert other.status_code == missing.status_code == 404
    assert other.text == missing.text


def test_province_user_sees_both_kabupaten(clients):
    """The positive control: the same pages do show Dumai to the province."""
    assert clients["prov"].get(f"/desa/{GAMMA}").status_code == 200
    listing = clients["prov"].get("/desa").text
    assert ALPHA in listing and GAMMA in listing
    assert "Kota Dumai" in clients["prov"].get("/").text         # completeness chart by kabupaten
    files = clients["prov"].get(f"/unduh/{QUARTER}").text
    assert PROVINCE_FILE_MARKER in files and "kota-dumai" in files and "kab-bengkalis" in files


def test_dumai_user_sees_only_dumai(clients):
    listing = clients["dumai"].get("/desa").text
    assert GAMMA in listing and ALPHA not in listing and BETA not in listing
    assert clients["dumai"].get(f"/desa/{ALPHA}").status_code == 404
    assert "Bengkalis" not in clients["dumai"].get("/").text


def _download_links(client, quarter: str) -> list[str]:
    page = client.get(f"/unduh/{quarter}")
    assert page.status_code == 200
    return re.findall(rf'href="(/unduh/{quarter}/[^"]+)"', page.text)


def _file_text(response) -> str:
    if response.headers["content-disposition"].endswith('.xlsx"'):
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return "\n".join(",".join(row) for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("quarter", [QUARTER, "2022Q4"])
def test_every_download_of_a_kabupaten_holds_only_its_villages(clients, quarter):
    links = _download_links(clients["bengkalis"], quarter)
    assert any(link.endswith(".xlsx") for link in links) and any(link.endswith(".csv") for link in links)
    assert all("kab-bengkalis" in link for link in links)
    seen_alpha = False
    for link in links:
        response = clients["bengkalis"].get(link)
        assert response.status_code == 200, link
        text = _file_text(response)
        assert leaks(text) == [], link
        seen_alpha |= ALPHA in text
    assert seen_alpha, "the Bengkalis files should list Bengkalis' villages"


def test_province_download_does_hold_dumai(clients):
    """Positive control for the file check above."""
    links = [link for link in _download_links(clients["prov"], QUARTER) if PROVINCE_FILE_MARKER in link]
    assert links
    assert any(GAMMA in _file_text(clients["prov"].get(link)) for link in links)
