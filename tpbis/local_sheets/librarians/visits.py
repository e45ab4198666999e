"""The Kunjungan and Dampak tabs of a sample village (a mixin of `Village`)."""
from __future__ import annotations

from datetime import date
from tpbis.local_sheets.librarians.habits import header_text, money_cell, month_cell
from tpbis.local_sheets.librarians.tab import Tab, quarter_of
from tpbis.local_sheets.librarians.vocabulary import BENEFIT_TYPES, FIELDS, ID_MONTHS, PRODUCTS, STORIES



class VisitTabs:
    def visit_records(self) -> list[dict]:
        rng = self.rng
        base_m, base_f = rng.randint(40, 260), rng.randint(60, 340)
        loans_rate = rng.uniform(0.6, 1.6)
        records = []
        for i, month in enumerate(self.months):
            growth = 1 + 0.01 * i
            male = min(600, max(30, int(base_m * growth * rng.uniform(0.75, 1.25))))
            female = min(600, max(30, int(base_f * growth * rng.uniform(0.75, 1.25))))
            records.append({
                "month": month, "visitors_male": male, "visitors_female": female,
                "new_members": 0 if rng.random() < 0.15 else rng.randint(1, 25),
                "loans": int((male + female) * loans_rate * rng.uniform(0.8, 1.2)),
                "internet_users": rng.randint(10, 150) if self.has_internet and rng.random() > 0.05 else 0,
                "open_days": rng.randint(18, 26),
            })
        return records

    def visits(self) -> Tab:
        s, rng = self.style, self.rng
        columns = self.columns("Kunjungan", s.visit_order) + (["Catatan"] if s.catatan else [])
        entries = [{"rec": r, "cells": {}, "problems": []} for r in self.visit_records()]
        for kind, i in self.slots(entries, "Kunjungan", set(), prefer=self.visit_slot_ok):
            self.reject_visit(entries, i, kind)
        tab = Tab("Kunjungan")
        if s.visit_title:
            tab.add([f"LAPORAN KUNJUNGAN PERPUSTAKAAN DESA {self.v['desa'].upper()}"])
            tab.add([])
        tab.header([header_text(s.headers, h) for h in columns])
        summed = set(columns) - {"Bulan", "Catatan"}
        first_row = year_row = len(tab.rows) + 1
        for i, entry in enumerate(entries):
            rec, cells = entry["rec"], []
            for h in columns:
                if h in entry["cells"]:
                    cells.append(entry["cells"][h])
                elif h == "Bulan":
                    cells.append(self.month(rec["month"]))
                elif h == "Catatan":
                    cells.append(rng.choice(["Libur Idul Fitri", "Listrik padam", "Rekap manual"])
                                 if rng.random() < 0.08 else "")
                else:
                    people = h not in ("Buku Dipinjam", "Hari Buka")
                    optional = h not in ("Pengunjung Laki-laki", "Pengunjung Perempuan")
                    cells.append(self.count(rec[FIELDS["Kunjungan"][h]], people, optional))
            if entry["problems"]:
                tab.reject(cells, entry["problems"])
            else:
                truth = {f: rec[f] if h in columns else None for h, f in FIELDS["Kunjungan"].items()}
                tab.record(cells, {**truth, "month": rec["month"].isoformat()})
            following = entries[i + 1]["rec"]["month"] if i + 1 < len(entries) else None
            if s.totals == "yearly" and (following is None or following.year != rec["month"].year):
                tab.totals("Total", columns, summed, year_row)
                if following is not None:
                    tab.add([])
                year_row = len(tab.rows) + 1
            elif following is not None and rng.random() < s.blank_rows:
                tab.add([])
        if s.totals == "end":
            tab.totals("Jumlah", columns, summed, first_row)
        return tab

    @staticmethod
    def visit_slot_ok(kind: str, entry: dict) -> bool:
        """`13/2023` reads as a typo for December; a month typed twice stays within its year."""
        month = entry["rec"]["month"].month
        return month == 12 if kind == "bad_month" else kind != "duplicate_month" or month < 11

    def reject_visit(self, entries: list, i: int, kind: str) -> None:
        entry, rec = entries[i], entries[i]["rec"]
        month = rec["month"]
        if kind == "negative_count":
            entry["cells"]["Pengunjung Perempuan"] = -rec["visitors_female"]
            entry["problems"] = [(kind, "Pengunjung Perempuan", -rec["visitors_female"])]
        elif kind == "not_a_number":
            entry["cells"]["Pengunjung Laki-laki"] = "banyak"
            entry["problems"] = [(kind, "Pengunjung Laki-laki", "banyak")]
        elif kind == "missing_month":
            entry["cells"]["Bulan"] = ""
            entry["problems"] = [("missing_required", "Bulan", "")]
        elif kind == "bad_month":            # a typo for 12/yyyy
            entry["cells"]["Bulan"] = f"13/{month.year}"
            entry["problems"] = [(kind, "Bulan", f"13/{month.year}")]
        elif kind == "before_2015":          # a typo in the year
            text = f"{ID_MONTHS[month.month - 1]} {min(month.year - 10, 2014)}"
            entry["cells"]["Bulan"] = text
            entry["problems"] = [(kind, "Bulan", text)]
        elif kind == "duplicate_month":      # the same month typed again a row later
            again = {**rec, "visitors_male": rec["visitors_male"] + self.rng.randint(1, 9),
                     "loans": rec["loans"] + self.rng.randint(1, 30)}
            problem = [(kind, "Bulan", month.isoformat()[:7])]
            entry["problems"] = problem
            entries.insert(i + 2, {"rec": again, "cells": {"Bulan": month_cell(month, "full")},
                                   "problems": problem})
        else:
            raise ValueError(f"unknown Kunjungan mistake {kind!r}")

    # Kegiatan ----------------------------------------------------------------------------

    def benefit_records(self) -> list[dict]:
        rng = self.rng
        by_quarter: dict[str, list[date]] = {}
        for month in self.months:
            by_quarter.setdefault(quarter_of(month), []).append(month)
        letters = "SNRAMHYFZWDEJLIKTU"
        records = []
        for months in by_quarter.values():
            for month in sorted(rng.choice(months) for _ in range(rng.choices([0, 1, 2, 3], [3, 4, 3, 2])[0])):
                kind = rng.choices(BENEFIT_TYPES, [5, 2, 3, 3, 1])[0]
                before = 0 if kind == "Dapat Kerja" and rng.random() < 0.5 else rng.randrange(0, 31) * 50_000
                records.append({
                    "month": month, "initials": f"{rng.choice(letters)}.{rng.choice(letters)}.",
                    "gender": "P" if rng.random() < 0.65 else "L", "benefit_type": kind,
                    "benefit_type_raw": kind if rng.random() >= self.style.category_mess else kind.lower(),
                    "product": rng.choice(PRODUCTS) if kind in ("Pendapatan Naik", "Usaha Baru", "Produk Baru") else None,
                    "income_before": before, "income_after": before + rng.randrange(5, 41) * 50_000,
                    "story": STORIES[kind] if rng.random() < 0.25 else None,
                })
        return records

    def benefits(self) -> Tab:
        s = self.style
        entries = [{"rec": r, "cells": {}, "problems": []} for r in self.benefit_records()]
        for kind, i in self.slots(entries, "Dampak", set()):
            if kind != "missing_month":
                raise ValueError(f"unknown Dampak mistake {kind!r}")
            entries[i]["cells"]["Bulan"] = ""
            entries[i]["problems"] = [("missing_required", "Bulan", "")]
        tab = Tab("Dampak")
        columns = self.columns("Dampak")
        tab.header([header_text(s.headers, h) for h in columns])
        for entry in entries:
            rec = entry["rec"]
            cells = {"Bulan": self.month(rec["month"]), "Inisial Penerima": rec["initials"],
                     "Jenis Kelamin": rec["gender"], "Jenis Dampak": rec["benefit_type_raw"],
                     "Produk": rec["product"] or "",
                     "Pendapatan Sebelum (Rp/bulan)": money_cell(rec["income_before"], self.pick_money()),
                     "Pendapatan Sesudah (Rp/bulan)": money_cell(rec["income_after"], self.pick_money()),
                     "Kisah Sukses": rec["story"] or "", **entry["cells"]}
            row = [cells[h] for h in columns]
            if entry["problems"]:
                tab.reject(row, entry["problems"])
            else:
                tab.record(row, {**rec, "month": rec["month"].isoformat()})
        return tab
