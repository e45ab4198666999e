"""One sample village: its workbook and its exact truth, tab by tab.

Each tab is built the same way: clean typed records first, then a few of them turned into
section 5 mistakes, then all rendered row by row into a `Tab`. Kunjungan and Dampak:
visits.py; Kegiatan and Mitra: activities.py."""
from __future__ import annotations

import random
from datetime import date
from typing import Any

from tpbis.local_sheets.librarians.activities import ActivityTabs
from tpbis.local_sheets.librarians.visits import VisitTabs
from tpbis.wib import TIME_ZONE
from tpbis.local_sheets.librarians.habits import Picker, Style, count_cell, month_cell, read_back, zero_cell
from tpbis.local_sheets.librarians.tab import Tab, month_range
from tpbis.local_sheets.librarians.vocabulary import LIBRARY_NAMES, MANAGERS, MODIFIED_TIME, PROFILE_FIELDS, TABS, TEMPLATE_HEADERS


class Village(VisitTabs, ActivityTabs):
    """One village's workbook and its truth, from its registry row, style and random stream.

    Each tab is built the same way: clean typed records first, then a few of them turned into
    section 5 mistakes (`slots`, `reject_*`), then all rendered row by row into a `Tab`."""

    def __init__(self, village: dict, style: Style, rng: random.Random, start: date, end: date):
        self.v, self.style, self.rng, self.end = village, style, rng, end
        months = month_range(max(start, style.first_month or start), end)
        if style.skipped_months and len(months) > 4:
            for month in rng.sample(months[1:-1], style.skipped_months):
                months.remove(month)
        self.months = months
        self.pick_month = Picker(rng, style.month_forms)
        self.pick_day = Picker(rng, style.day_forms)
        self.pick_count = Picker(rng, style.count_forms)
        self.pick_money = Picker(rng, style.money_forms)
        self.pick_zero = Picker(rng, style.zero_forms)
        self.has_internet = rng.random() < 0.85
        self.partner_names: list[str] = []

    def columns(self, tab: str, order: tuple[str, ...] | None = None) -> list[str]:
        return [h for h in (order or TEMPLATE_HEADERS[tab]) if f"{tab}:{h}" not in self.style.missing]

    def month(self, day: date) -> Any:
        if self.style.old_spelling and day.month in (2, 11):
            return month_cell(day, "full", old_spelling=True)   # Pebruari, Nopember
        return month_cell(day, self.pick_month(), self.style.old_spelling)

    def count(self, value: int, people: bool = True, optional: bool = False) -> Any:
        if value == 0 and optional:
            return zero_cell(self.pick_zero())
        if value == 0:
            return "-" if "-" in self.style.zero_forms else 0
        return count_cell(value, self.pick_count(), people)

    def slots(self, entries: list, tab: str, taken: set[int], prefer=None) -> list[tuple[str, int]]:
        """Which entries become this tab's declared mistakes (never the first or last), as
        (kind, index) pairs, last index first so that an inserted row shifts none of them."""
        chosen = []
        for t, kind in self.style.rejects:
            if t != tab:
                continue
            free = [i for i in range(1, len(entries) - 1) if i not in taken]
            good = [i for i in free if prefer and prefer(kind, entries[i])] or free
            chosen.append((kind, self.rng.choice(good)))
            taken.add(chosen[-1][1])
        return sorted(chosen, key=lambda pair: -pair[1])

    # Profil ------------------------------------------------------------------------------
    def profile(self) -> Tab:
        rng, v, s = self.rng, self.v, self.style
        titles = rng.randint(600, 3500)
        year = v.get("tahun_kelompok", "")
        typed = {
            "Kode Desa": v["kode_desa"], "Nama Desa": s.desa_typed or v["desa"],
            "Kecamatan": v["kecamatan"], "Kabupaten": s.kabupaten_typed,
            "Nama Perpustakaan": f"Perpustakaan Desa {rng.choice(LIBRARY_NAMES)}",
            "NPP": v["kode_desa"].replace(".", "")[:6] + f"2D1{rng.randint(1, 99999):05d}",
            "Nama Pengelola": rng.choice(MANAGERS), "Jumlah Tenaga": rng.randint(1, 4),
            "Tahun Bergabung TPBIS": int(year) if str(year).isdigit() else None,
            "Koleksi Judul": titles, "Koleksi Eksemplar": titles * rng.randint(2, 4),
            "Jumlah Komputer": rng.randint(2, 8), "Akses Internet": self.has_internet,
            "Jam Buka per Hari": float(rng.choice([6, 7, 7.5, 8])),
        }
        tab = Tab("Profil")
        tab.header(["Isian", "Nilai"])
        record = {}
        for name, value in typed.items():
            if name in ("Koleksi Judul", "Koleksi Eksemplar"):
                cell = count_cell(value, self.pick_count(), people=False)
            elif name == "Akses Internet":
                cell = "Ya" if value else "Tidak"
            elif isinstance(value, float) and value.is_integer():
                cell = int(value)            # typed "8", read as 8.0 hours
            else:
                cell = "" if value is None else value
            value = read_back(value) if isinstance(value, str) else value
            tab.record([name, cell], {"field": name, "value": value})
            if PROFILE_FIELDS[name]:
                record[PROFILE_FIELDS[name]] = value
        tab.extra["record"] = record
        return tab

    # Kunjungan ---------------------------------------------------------------------------

    # the whole workbook ------------------------------------------------------------------
    def build(self, key: str) -> tuple[dict, dict]:
        profile = self.profile()
        partners = self.partners()          # before Kegiatan, whose Mitra column names them
        tabs = {"Profil": profile, "Kunjungan": self.visits(), "Kegiatan": self.activities(),
                "Mitra": partners, "Dampak": self.benefits()}
        workbook = {
            "spreadsheetId": key, "title": f"Laporan TPBIS Desa {self.v['desa']}",
            "locale": self.style.locale, "timeZone": TIME_ZONE, "modifiedTime": MODIFIED_TIME,
            "sheets": [{"title": title, "rows": tabs[title].rows} for title in TABS],
        }
        truth = {
            "kode_desa": self.v["kode_desa"], "desa": self.v["desa"], "spreadsheet_key": key,
            "locale": self.style.locale,
            "months_reported": [r["month"] for r in tabs["Kunjungan"].loaded],
            "tabs": {title: tab.truth() for title, tab in tabs.items()},
        }
        return workbook, truth
