"""The Kegiatan and Mitra tabs of a sample village (a mixin of `Village`)."""
from __future__ import annotations

from datetime import date
from tpbis.local_sheets.librarians.habits import day_cell, header_text, money_cell, read_back
from tpbis.local_sheets.librarians.tab import Tab, quarter_of
from tpbis.local_sheets.librarians.vocabulary import ADV, CATEGORY_STRATEGY, CATEGORY_WEIGHTS, FIELDS, NOTES, PARTNER_TYPES, PLI, PM, SUPPORT_FORMS, SYNONYMS, TITLES



class ActivityTabs:
    def participants(self, category: str) -> tuple[int, int]:
        rng = self.rng
        if category in ("Pelatihan Keterampilan", "Kesehatan"):   # mostly PKK mothers
            return (0 if rng.random() < 0.4 else rng.randint(1, 8)), rng.randint(8, 30)
        if category in ("Peer Learning Meeting", "Rapat Pemangku Kepentingan", "Advokasi"):
            return rng.randint(2, 12), rng.randint(2, 12)
        if category in ("Literasi", "Bimbingan Belajar"):          # children
            return rng.randint(5, 25), rng.randint(5, 30)
        return rng.randint(3, 20), rng.randint(2, 20)

    def category_typed(self, category: str) -> str:
        """The canonical name, or (at the style's rate) a synonym or a case/spacing variant."""
        rng = self.rng
        if rng.random() >= self.style.category_mess:
            return category
        if category in SYNONYMS and rng.random() < 0.6:
            return SYNONYMS[category]
        return rng.choice([category.lower(), category.upper(), category + " ",
                           category.replace(" ", "  ")])

    def activity_records(self) -> list[dict]:
        rng, s = self.rng, self.style
        categories = list(CATEGORY_STRATEGY)
        has_strategy = "Kegiatan:Strategi" not in s.missing
        records = []
        for m, month in enumerate(self.months):
            last = 28 if (month.year, month.month) != (self.end.year, self.end.month) else min(28, self.end.day)
            count = rng.choices([2, 3, 4, 5, 6], weights=[1, 1, 2, 4, 6])[0]
            for j, day in enumerate(sorted(rng.randint(1, last) for _ in range(count))):
                category = rng.choices(categories, CATEGORY_WEIGHTS)[0]
                title = rng.choice(TITLES[category])
                typed = self.category_typed(category)
                if s.unknown_category and ((m, j) == (4, 0) or rng.random() < 0.02):
                    category, typed = "Lainnya", s.unknown_category
                    title = f"{s.unknown_category} Anak PAUD"
                strategy, strategy_typed = CATEGORY_STRATEGY[category], ""
                if has_strategy and rng.random() < s.strategy_fill:
                    strategy = strategy if rng.random() < 0.7 else rng.choice([PLI, PM, ADV])
                    strategy_typed = strategy if rng.random() < 0.8 else strategy.lower()
                male, female = self.participants(category)
                records.append({
                    "activity_date": date(month.year, month.month, day), "title": title,
                    "category": category, "category_raw": typed, "strategy": strategy,
                    "strategy_typed": strategy_typed, "participants_male": male,
                    "participants_female": female,
                    "partner": rng.choice(self.partner_names) if rng.random() < 0.35 else None,
                    "notes": rng.choice(NOTES) if rng.random() < 0.1 else None,
                })
        return records

    def activities(self) -> Tab:
        s, rng = self.style, self.rng
        columns = self.columns("Kegiatan", s.activity_order)
        entries = [{"rec": r, "cells": {}, "problems": []} for r in self.activity_records()]
        unknown = {i for i, e in enumerate(entries) if e["rec"]["category_raw"] == s.unknown_category}
        for kind, i in self.slots(entries, "Kegiatan", unknown):
            self.reject_activity(entries[i], kind)
        tab = Tab("Kegiatan")
        if s.activity_title:
            tab.add([f"DAFTAR KEGIATAN PERPUSTAKAAN DESA {self.v['desa'].upper()}"])
            tab.add([])
        tab.header([header_text(s.headers, h) for h in columns])
        for no, entry in enumerate(entries, start=1):
            rec = entry["rec"]
            typed = {"No": no, "Tanggal": None, "Nama Kegiatan": rec["title"],
                     "Jenis Kegiatan": rec["category_raw"], "Strategi": rec["strategy_typed"],
                     "Mitra": rec["partner"] or "", "Keterangan": rec["notes"] or ""}
            cells = []
            for h in columns:
                if h in entry["cells"]:
                    cells.append(entry["cells"][h])
                elif h == "Tanggal":
                    cells.append(day_cell(rec["activity_date"], self.pick_day()))
                elif h.startswith("Peserta"):
                    cells.append(self.count(rec[FIELDS["Kegiatan"][h]]))
                else:
                    cells.append(typed[h])
            if entry["problems"]:
                tab.reject(cells, entry["problems"])
            else:
                day = rec["activity_date"]
                tab.record(cells, {
                    "activity_no": str(no), "activity_date": day.isoformat(), "quarter": quarter_of(day),
                    "title": rec["title"], "category": rec["category"],
                    "category_raw": read_back(rec["category_raw"]), "strategy": rec["strategy"],
                    "participants_male": rec["participants_male"],
                    "participants_female": rec["participants_female"],
                    "partner": rec["partner"], "notes": rec["notes"]})
            following = entries[no]["rec"]["activity_date"] if no < len(entries) else None
            if following and following.month != rec["activity_date"].month and rng.random() < s.blank_rows:
                tab.add([])
        return tab

    def reject_activity(self, entry: dict, kind: str) -> None:
        rec, cells = entry["rec"], entry["cells"]
        day = rec["activity_date"]
        if kind == "missing_date":
            cells["Tanggal"] = ""
            entry["problems"] = [("missing_required", "Tanggal", "")]
        elif kind == "missing_title":
            cells["Nama Kegiatan"] = ""
            entry["problems"] = [("missing_required", "Nama Kegiatan", "")]
        elif kind == "future_date":          # a typo in the year, after the end of the sample
            typo = date(self.end.year + 1, day.month, day.day)
            cells["Tanggal"] = {"date": typo.isoformat(), "fmt": "dd/mm/yyyy"}
            entry["problems"] = [(kind, "Tanggal", typo.isoformat())]
        elif kind == "before_2015":
            typo = date(2013, day.month, day.day)
            cells["Tanggal"] = day_cell(typo, "slash")
            entry["problems"] = [(kind, "Tanggal", cells["Tanggal"])]
        elif kind == "bad_date":
            cells["Tanggal"] = f"31/02/{day.year}"
            entry["problems"] = [(kind, "Tanggal", cells["Tanggal"])]
        elif kind == "no_participants":
            cells["Peserta Laki-laki"] = cells["Peserta Perempuan"] = 0
            entry["problems"] = [(kind, "Peserta Laki-laki", 0)]
        elif kind == "not_a_number":
            cells["Peserta Perempuan"] = "banyak"
            entry["problems"] = [(kind, "Peserta Perempuan", "banyak")]
        elif kind == "negative_count":
            value = -(rec["participants_male"] or 5)
            cells["Peserta Laki-laki"] = value
            entry["problems"] = [(kind, "Peserta Laki-laki", value)]
        else:
            raise ValueError(f"unknown Kegiatan mistake {kind!r}")

    # Mitra -------------------------------------------------------------------------------
    def partner_name(self, kind: str) -> str:
        rng, desa = self.rng, self.v["desa"]
        return {
            "Pemerintah Desa": f"Pemerintah Desa {desa}",
            "BUMDes": f"BUMDes {rng.choice(['Maju Bersama', 'Sejahtera', 'Berkah Mandiri'])}",
            "PKK": f"TP PKK Desa {desa}",
            "Sekolah": f"SD Negeri {rng.randint(1, 40)} {self.v['kecamatan']}",
            "Dinas/OPD": f"Dinas Perpustakaan dan Kearsipan Kab. {self.v['kabupaten']}",
            "Swasta/CSR": "CSR PT Sinar Riau Lestari",
            "Komunitas": f"Komunitas Literasi {desa}",
            "Perguruan Tinggi": "Tim KKN Mahasiswa",
        }[kind]

    def partners(self) -> Tab:
        rng, s = self.rng, self.style
        kinds = ["Pemerintah Desa"] + rng.sample(PARTNER_TYPES[1:8], rng.randint(1, 5))
        tab = Tab("Mitra")
        columns = self.columns("Mitra")
        tab.header([header_text(s.headers, h) for h in columns])
        first_mou = date(2019, 6, 1).toordinal()
        for kind in kinds:
            name = self.partner_name(kind)
            self.partner_names.append(name)
            has_mou = rng.random() < (0.9 if kind == "Pemerintah Desa" else 0.5)
            mou = date.fromordinal(rng.randint(first_mou, self.end.toordinal())) if has_mou else None
            if mou and rng.random() < 0.1:
                mou = None                   # "Ya", but the date was never filled in
            value = rng.randrange(5, 500) * 100_000
            form = rng.choice(SUPPORT_FORMS)
            typed = kind if rng.random() >= s.category_mess * 2 else kind.upper()
            mou_text = "Ya" if has_mou else "Tidak"
            cells = {"Nama Mitra": name, "Jenis Mitra": typed, "Bentuk Dukungan": form,
                     "MoU": mou_text.upper() if s.headers == "upper" else mou_text,
                     "Tanggal MoU": day_cell(mou, self.pick_day()) if mou else "",
                     "Nilai Dukungan (Rp)": money_cell(value, self.pick_money())}
            tab.record([cells[h] for h in columns], {
                "partner_name": name, "partner_type": kind, "partner_type_raw": read_back(typed),
                "support_form": form, "has_mou": has_mou,
                "mou_date": mou.isoformat() if mou else None, "support_value_rp": value})
        return tab

    # Dampak ------------------------------------------------------------------------------
