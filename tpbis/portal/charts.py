"""Charts as SVG, rendered on the server: Altair builds a Vega-Lite spec, vl-convert (a
self-contained renderer, no browser, no CDN) turns it into SVG that the page inlines. The
province network may have no internet, and the pages need no JavaScript at all.

Rendered charts are cached by (snapshot, scope, quarter, chart): the same page is drawn once
per published snapshot.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import altair as alt
import pandas as pd
import vl_convert as vlc

GENDER = {"visitors_male": "Laki-laki", "visitors_female": "Perempuan"}
COMPLETENESS = {"complete": "Lengkap", "incomplete": "Tidak lengkap", "not_reporting": "Tidak lapor"}
COLORS = {"Laki-laki": "#1f6f8b", "Perempuan": "#e07a5f", "Lengkap": "#2a9d8f",
          "Tidak lengkap": "#e9c46a", "Tidak lapor": "#c8553d"}
# the TPBIS strategies by their order in core.strategies (their names are data: config/categories.csv)
STRATEGY_COLORS = ("#264653", "#2a9d8f", "#f4a261", "#8d6a9f", "#6c757d")
WIDTH = 520
# d3 has no Indonesian locale built in: numbers as 40.000, months as Okt 2025
NUMBER_LOCALE = {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["Rp", ""]}
TIME_LOCALE = {
    "dateTime": "%A, %e %B %Y %X", "date": "%d/%m/%Y", "time": "%H.%M.%S", "periods": ["", ""],
    "days": ["Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"],
    "shortDays": ["Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"],
    "months": ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
               "Oktober", "November", "Desember"],
    "shortMonths": ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"],
}


def _scale(labels: list[str], colors: list[str] | None = None) -> alt.Scale:
    return alt.Scale(domain=labels, range=colors or [COLORS[label] for label in labels])


def _svg(chart: alt.Chart) -> str:
    spec = chart.configure(font="sans-serif").configure_view(stroke=None).to_dict()
    return vlc.vegalite_to_svg(spec, format_locale=NUMBER_LOCALE, time_format_locale=TIME_LOCALE)


def _empty(title: str) -> str:
    return _svg(alt.Chart(pd.DataFrame({"x": [0], "t": ["Belum ada data"]})).mark_text(size=14)
                .encode(text="t:N").properties(title=title, width=WIDTH, height=60))


def visitors_by_month(df: pd.DataFrame, title: str = "Pengunjung per bulan") -> str:
    if df.empty:
        return _empty(title)
    long = df.melt(id_vars=["month"], value_vars=list(GENDER), var_name="g", value_name="Pengunjung")
    long["Jenis kelamin"] = long["g"].map(GENDER)
    long["Bulan"] = pd.to_datetime(long["month"])
    labels = list(GENDER.values())
    return _svg(alt.Chart(long).mark_bar().encode(
        x=alt.X("yearmonth(Bulan):O", title="Bulan", axis=alt.Axis(format="%b %Y", labelAngle=-45)),
        y=alt.Y("Pengunjung:Q", title="Pengunjung", stack=True),
        color=alt.Color("Jenis kelamin:N", scale=_scale(labels), legend=alt.Legend(orient="bottom")),
        xOffset=alt.XOffset("Jenis kelamin:N", sort=labels),
    ).properties(title=title, width=WIDTH, height=220))


def activities_by_strategy(df: pd.DataFrame, title: str = "Kegiatan per strategi TPBIS") -> str:
    """`df`: quarter, strategy, strategy_order, activities (sql/portal/overview_strategy.sql)."""
    if df.empty:
        return _empty(title)
    long = df.rename(columns={"strategy": "Strategi", "activities": "Kegiatan"})
    order = long.drop_duplicates("Strategi").sort_values("strategy_order")
    labels = list(order["Strategi"])
    colors = [STRATEGY_COLORS[(int(o) - 1) % len(STRATEGY_COLORS)] for o in order["strategy_order"]]
    return _svg(alt.Chart(long[["quarter", "Strategi", "Kegiatan"]]).mark_bar().encode(
        x=alt.X("quarter:O", title="Triwulan", sort=list(dict.fromkeys(df["quarter"]))),
        y=alt.Y("Kegiatan:Q", title="Kegiatan"),
        color=alt.Color("Strategi:N", scale=_scale(labels, colors), legend=alt.Legend(orient="bottom")),
    ).properties(title=title, width=WIDTH, height=220))


def completeness(df: pd.DataFrame, region_label: str, title: str) -> str:
    if df.empty:
        return _empty(title)
    long = df.melt(id_vars=["region"], value_vars=list(COMPLETENESS), var_name="c", value_name="Desa")
    long["Status"] = long["c"].map(COMPLETENESS)
    long["order"] = long["c"].map({k: i for i, k in enumerate(COMPLETENESS)})
    labels = list(COMPLETENESS.values())
    return _svg(alt.Chart(long).mark_bar().encode(
        y=alt.Y("region:N", title=region_label, sort=list(df["region"])),
        x=alt.X("Desa:Q", title="Desa", stack="zero"),
        color=alt.Color("Status:N", scale=_scale(labels), legend=alt.Legend(orient="bottom")),
        order="order:Q",
    ).properties(title=title, width=WIDTH - 120, height=max(60, 22 * len(df))))


def village_over_time(df: pd.DataFrame) -> str:
    """One village: visitors per quarter (L/P) and activities per quarter."""
    title = "Pengunjung dan kegiatan per triwulan"
    if df.empty:
        return _empty(title)
    long = df.melt(id_vars=["quarter"], value_vars=list(GENDER), var_name="g", value_name="Pengunjung")
    long["Jenis kelamin"] = long["g"].map(GENDER)
    labels = list(GENDER.values())
    order = list(df["quarter"])
    visitors = alt.Chart(long).mark_bar().encode(
        x=alt.X("quarter:O", title="Triwulan", sort=order),
        y=alt.Y("Pengunjung:Q", title="Pengunjung"),
        color=alt.Color("Jenis kelamin:N", scale=_scale(labels), legend=alt.Legend(orient="bottom")),
    ).properties(width=WIDTH, height=160, title=title)
    acts = alt.Chart(df).mark_line(point=True, color="#264653").encode(
        x=alt.X("quarter:O", title="Triwulan", sort=order),
        y=alt.Y("activities:Q", title="Kegiatan"),
    ).properties(width=WIDTH, height=100)
    return _svg(alt.vconcat(visitors, acts))


def warm_up() -> None:
    """vl-convert starts its JavaScript engine on first use (seconds): do it before serving."""
    _empty("")


class ChartCache:
    """SVG text by (snapshot id, scope, quarter, chart name); bounded, oldest dropped first."""

    def __init__(self, size: int = 512):
        self.size = size
        self._items: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, render) -> str:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        svg = render()
        with self._lock:
            self._items[key] = svg
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return svg
