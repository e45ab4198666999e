"""What the pages show, worked out by hand from tests/portal/portal_warehouse.py."""
from __future__ import annotations

import re

from tests.portal.portal_warehouse import ALPHA, BETA


def cells(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S)]


def test_overview_of_a_kabupaten(clients):
    html = clients["bengkalis"].get("/").text
    assert "Ringkasan Triwulan IV 2023" in html                    # latest complete quarter with data
    assert "2 desa terdaftar" in html
    rows = {r[0]: r[1:] for r in cells(html, "metrics")}
    # 2023Q4: Alpha 30+30 men, 30+30 women; 2023Q3 nothing; 2022Q4 Alpha 20+20+20, Beta 5
    assert rows["Pengunjung laki-laki"] == ["60", "0", "-", "65", "-8%"]
    assert rows["Kegiatan: Advokasi"][0] == "1"
    assert rows["Peserta perempuan"][0] == "42%"                      # 5 of 12 participants
    assert html.count("<svg") == 3


def test_quarter_picker_changes_the_quarter(clients):
    html = clients["bengkalis"].get("/?kuartal=2022Q4").text
    assert "Ringkasan Triwulan IV 2022" in html
    assert '<option value="2022Q4" selected>' in html


def test_village_list_filters_and_sorts(clients):
    html = clients["bengkalis"].get("/desa?kuartal=2022Q4&urut=pengunjung&arah=turun").text
    rows = cells(html, "village-table")
    assert [r[0] for r in rows] == [ALPHA, BETA]
    assert rows[0][3:5] == ["3/3", "160"] and rows[1][3:5] == ["1/3", "10"]
    rows = cells(clients["bengkalis"].get("/desa?kuartal=2022Q4&urut=pengunjung&arah=naik").text, "village-table")
    assert [r[0] for r in rows] == [BETA, ALPHA]
    rows = cells(clients["bengkalis"].get("/desa?cari=bantan").text, "village-table")
    assert [r[0] for r in rows] == [BETA]


def test_village_page(clients):
    html = clients["bengkalis"].get(f"/desa/{ALPHA}").text
    rejected = cells(html, "rejected")
    assert ["Kunjungan", "14", "Pengunjung Perempuan", "-5",
            "Baris 14, kolom Pengunjung Perempuan: &#39;-5&#39; bukan jumlah yang sah (tidak boleh negatif)."] in rejected
    assert f'href="https://docs.google.com/spreadsheets/d/key-{ALPHA}"' in html
    assert "A.B." in html and "Rapat Desa Alpha" in html and "Pemerintah Desa Alpha" in html
    assert html.count("<svg") == 1


def test_quality_lists(clients):
    html = clients["bengkalis"].get("/kualitas").text
    assert [r[0] for r in cells(html, "not_reporting")] == [BETA]
    failing = cells(html, "failing")
    assert failing[0][0] == BETA and failing[0][3].startswith("2 kali berturut-turut")
    assert [r[0] for r in cells(html, "rejections")] == [ALPHA]
    assert [r[0] for r in cells(html, "incomplete")] == [ALPHA]     # 2 of 3 months in 2023Q4


def test_last_sync_shown_for_the_scope(clients):
    for name in ("prov", "bengkalis", "dumai"):
        html = clients[name].get("/desa").text
        assert 'id="sync-status"' in html and "01-02-2024 17:00 WIB" in html
    assert "2 desa gagal" in clients["prov"].get("/").text
    assert "1 desa gagal" in clients["bengkalis"].get("/").text


def test_prewarm_renders_every_scope_overview(portal_files):
    from tests.portal.conftest import make_app
    app = make_app(portal_files, trusted_proxies=frozenset())
    assert len(app.state.portal.charts._items) == 0
    app.state.prewarm()
    scopes = {key[1] for key in app.state.portal.charts._items}
    assert scopes == {"provinsi", "14.03", "14.72"}


def test_strategy_names_come_from_the_warehouse(portal_files, tmp_path):
    """A strategy renamed in config/categories.csv (so in core.strategies, and in the rows
    synced after it) shows under its new name in the overview's table and chart."""
    import duckdb
    from fastapi.testclient import TestClient

    from tests.portal import portal_warehouse
    from tests.portal.conftest import login, make_app
    path = portal_warehouse.build(tmp_path / "tpbis.duckdb")
    con = duckdb.connect(str(path))
    con.execute("update core.strategies set strategy = 'Advokasi Kebijakan Desa' where strategy = 'Advokasi'")
    con.execute("update core.activities set strategy = 'Advokasi Kebijakan Desa' where strategy = 'Advokasi'")
    con.close()
    app = make_app({**portal_files, "warehouse": path, "cache": tmp_path / "cache"}, trusted_proxies=frozenset())
    with TestClient(app) as client:
        assert login(client, "bengkalis").status_code == 303
        html = client.get("/").text
    rows = {r[0]: r[1:] for r in cells(html, "metrics")}
    assert rows["Kegiatan: Advokasi Kebijakan Desa"][0] == "1"
    assert "Kegiatan: Advokasi" not in rows
    assert [label for label in rows if label.startswith("Kegiatan: ")] == [
        "Kegiatan: Peningkatan Layanan Informasi", "Kegiatan: Pelibatan Masyarakat", "Kegiatan: Advokasi Kebijakan Desa"]
    chart = html.split('id="chart-strategy"', 1)[1].split("</figure>", 1)[0]
    assert "Advokasi Kebijakan Desa" in chart and ">Advokasi<" not in chart


def test_a_scope_without_data_gets_the_empty_page(portal_files, tmp_path):
    """Every page of one quarter (and /unduh, which picks the latest) says there is no data
    yet for a kabupaten none of whose villages reported, instead of failing."""
    from fastapi.testclient import TestClient

    from tpbis.portal.users import UsersFile
    from tests.portal.conftest import csrf_of, make_app
    users = UsersFile(tmp_path / "users.json")
    users.add("kampar", "14.01", "rahasia-kampar-12")
    app = make_app({**portal_files, "users": users.path, "cache": tmp_path / "cache"}, trusted_proxies=frozenset())
    with TestClient(app) as client:
        form = client.get("/login").text
        assert client.post("/login", data={"username": "kampar", "password": "rahasia-kampar-12",
                                           "csrf_token": csrf_of(form)}, follow_redirects=False).status_code == 303
        for route, title in (("/", "Ringkasan"), ("/desa", "Desa"), ("/kualitas", "Kualitas"),
                             ("/unduh", "Unduh")):
            response = client.get(route, follow_redirects=False)
            assert response.status_code == 200, route
            assert f"<h1>{title}</h1>" in response.text and "Belum ada data laporan untuk wilayah Anda." in response.text
