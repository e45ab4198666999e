"""What each page shows: queries (sql/portal, the user's scope bound as $prefix) turned into
template context. No HTTP here; app.py does routing, sessions and responses."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from tpbis.portal import charts
from tpbis.wib import JAKARTA as WIB, Quarter

SYNC_STATUS = {"success": "berhasil", "partial": "berhasil, sebagian desa gagal", "failed": "gagal",
               "running": "sedang berjalan", "interrupted": "terputus"}
VILLAGE_STATUS = {"loaded": "dimuat", "unchanged": "tidak berubah", "failed": "gagal", "skipped": "dilewati"}
SORTS = {"kode": "kode_desa", "desa": "desa", "kecamatan": "kecamatan", "bulan": "months_reported",
         "pengunjung": "visitors_total", "kegiatan": "activities", "peserta": "participants_total",
         "penerima": "beneficiaries", "status": "status", "ditolak": "rows_rejected"}
PAGE_SIZE = 100


def quarter_of(index: int) -> Quarter:
    return Quarter(index // 4, index % 4 + 1)


def index_of(quarter: Quarter) -> int:
    return quarter.year * 4 + quarter.number - 1


def number(value) -> str:
    """12345 -> '12.345' (Indonesian thousands separator); blanks stay blank."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return f"{int(value):,}".replace(",", ".")


def wib(ts) -> str:
    if ts is None or pd.isna(ts):
        return "-"
    ts = pd.Timestamp(ts)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return f"{ts.tz_convert(WIB):%d-%m-%Y %H:%M} WIB"


def sync_status(wh, user) -> dict:
    """Last sync time and status, as the scope sees it (shown on every page)."""
    rows = wh.rows("last_sync", prefix=user.prefix)
    if not rows:
        return {"time": "-", "status": "belum pernah", "ok": False}
    r = rows[0]
    failed = int(r["failed_in_scope"] or 0)
    if r["status"] in ("success", "partial"):
        status, ok = ("berhasil", True) if failed == 0 else (f"{failed} desa gagal", False)
    else:
        status, ok = SYNC_STATUS.get(r["status"], r["status"]), False
    return {"time": wib(r["finished_at"] if r["finished_at"] is not None and not pd.isna(r["finished_at"])
                        else r["started_at"]), "status": status, "ok": ok}


def quarters(wh, user) -> tuple[list[str], str | None]:
    """(quarters with data in the scope, the default one: the latest complete quarter)."""
    rows = wh.rows("quarters", prefix=user.prefix)
    labels = [r["quarter"] for r in rows]
    last_closed = index_of(Quarter.last_full_before(datetime.now(WIB).date()))
    closed = [r["quarter"] for r in rows if r["quarter_index"] <= last_closed]
    return labels, (closed[-1] if closed else (labels[-1] if labels else None))


def choose_quarter(wh, user, asked: str | None, parse) -> tuple[Quarter | None, list[str]]:
    labels, default = quarters(wh, user)
    chosen = parse(asked) if asked else None
    if chosen is None and default:
        chosen = parse(default)
    return chosen, labels


def _change(now: float, before: float | None) -> str:
    if not before:
        return "-"
    return f"{(now - before) / before * 100:+.0f}%"


def _by_strategy(wh, user, qi: int, rows: list[dict]) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Activities per strategy of the eight quarters up to `qi` (the chart's data), added to
    `rows` (quarter totals) as `strategy:<name>` keys; returns the data and the metric rows,
    labelled with the strategies' names as core.strategies has them (config/categories.csv)."""
    df = wh.df("overview_strategy", prefix=user.prefix, quarter_index=qi)
    counts = {(int(r["quarter_index"]), r["strategy"]): int(r["activities"]) for r in df.to_dict("records")}
    names = [r["strategy"] for r in wh.rows("strategies")]
    for row in rows:
        for name in names:
            row[f"strategy:{name}"] = counts.get((int(row["quarter_index"]), name), 0)
    return df, [(f"Kegiatan: {name}", f"strategy:{name}") for name in names]


def overview(wh, cache, user, quarter: Quarter, snapshot: str) -> dict:
    qi = index_of(quarter)
    totals = wh.df("overview_totals", prefix=user.prefix, quarter_indices=[qi, qi - 1, qi - 4])
    by_index = {int(r["quarter_index"]): r for r in totals.to_dict("records")}
    now, prev, year = by_index[qi], by_index[qi - 1], by_index[qi - 4]
    strategy_df, strategy_metrics = _by_strategy(wh, user, qi, [now, prev, year])
    metrics = []
    for label, key in (("Desa melapor", "villages_reporting"), ("Desa lapor lengkap", "villages_complete"),
                       ("Pengunjung laki-laki", "visitors_male"), ("Pengunjung perempuan", "visitors_female"),
                       ("Kegiatan", "activities"), *strategy_metrics,
                       ("Peserta kegiatan", None), ("Penerima manfaat", "beneficiaries")):
        get = (lambda r: r["participants_male"] + r["participants_female"]) if key is None else (lambda r, k=key: r[k])
        metrics.append({"label": label, "now": int(get(now)), "prev": int(get(prev)), "year": int(get(year)),
                        "vs_prev": _change(get(now), get(prev)), "vs_year": _change(get(now), get(year))})
    participants = now["participants_male"] + now["participants_female"]
    women = f"{now['participants_female'] / participants * 100:.0f}%" if participants else "-"
    key = (snapshot, user.scope, str(quarter))
    month_to = quarter.last_day.replace(day=1)
    month_to = date(month_to.year + (month_to.month == 12), month_to.month % 12 + 1, 1)
    month_from = date(month_to.year - 1, month_to.month, 1)
    by_kecamatan = user.scope != "provinsi"
    region = "Kecamatan" if by_kecamatan else "Kabupaten/Kota"
    return {
        "quarter": str(quarter), "quarter_title": quarter.title, "prev": prev["quarter"], "year": year["quarter"],
        "registered": int(now["villages_registered"]), "metrics": metrics, "women_share": women,
        "chart_visitors": cache.get(key + ("visitors",), lambda: charts.visitors_by_month(
            wh.df("overview_monthly", prefix=user.prefix, from_month=month_from, to_month=month_to),
            "Pengunjung per bulan (12 bulan terakhir)")),
        "chart_strategy": cache.get(key + ("strategy",), lambda: charts.activities_by_strategy(strategy_df)),
        "chart_completeness": cache.get(key + ("completeness",), lambda: charts.completeness(
            wh.df("completeness", prefix=user.prefix, quarter_index=qi, by_kecamatan=by_kecamatan),
            region, f"Kelengkapan laporan per {region.lower()}, {quarter}")),
    }


def village_list(wh, user, quarter: Quarter, search: str, sort: str, order: str, page: int) -> dict:
    sort = sort if sort in SORTS else "kode"
    order = order if order in ("naik", "turun") else "naik"
    page = max(page, 1)
    params = dict(prefix=user.prefix, quarter_index=index_of(quarter), search=(search or "").strip().lower(),
                  sort=sort, descending=order == "turun", page_size=PAGE_SIZE)
    rows = wh.rows("villages_list", page_offset=(page - 1) * PAGE_SIZE, **params)
    total = int(rows[0]["total"]) if rows else 0
    pages = max(1, -(-total // PAGE_SIZE))
    if page > pages:                      # past the end: show the last page
        page = pages
        rows = wh.rows("villages_list", page_offset=(page - 1) * PAGE_SIZE, **params)
    for r in rows:
        r["last_synced"] = wib(r["last_synced_at"])
    return {"rows": rows, "total": total, "page": page, "pages": pages, "sort": sort, "order": order,
            "search": search or "", "quarter": str(quarter)}


def village(wh, cache, user, kode_desa: str, snapshot: str) -> dict | None:
    info = wh.rows("village_info", prefix=user.prefix, kode_desa=kode_desa)
    if not info:
        return None
    info = info[0]
    quarters_df = wh.df("village_quarters", prefix=user.prefix, kode_desa=kode_desa)
    return {
        "v": info, "last_synced": wib(info["last_synced_at"]), "last_attempt": wib(info["last_attempt_at"]),
        "last_status": VILLAGE_STATUS.get(info["last_status"], info["last_status"] or "-"),
        "quarters": quarters_df.iloc[::-1].head(12).to_dict("records"),
        "chart": cache.get((snapshot, user.scope, kode_desa, "village"),
                           lambda: charts.village_over_time(quarters_df.tail(12))),
        "activities": wh.rows("village_activities", prefix=user.prefix, kode_desa=kode_desa),
        "partners": wh.rows("village_partners", prefix=user.prefix, kode_desa=kode_desa),
        "benefits": wh.rows("village_benefits", prefix=user.prefix, kode_desa=kode_desa),
        "rejected": wh.rows("village_rejected", prefix=user.prefix, kode_desa=kode_desa),
        "sheet_url": f"https://docs.google.com/spreadsheets/d/{info['spreadsheet_key']}"
                     if info["spreadsheet_key"] else None,
    }


def quality(wh, user, quarter: Quarter, limit: int = 200) -> dict:
    df = wh.df("quality", prefix=user.prefix, quarter_index=index_of(quarter), limit=limit)
    df["last_synced_at"] = df["last_synced_at"].map(wib)
    lists = {}
    for name in ("not_reporting", "incomplete", "failing", "rejections"):
        part = df[df["list"] == name]
        lists[name] = {"count": int(part["list_count"].iloc[0]) if len(part) else 0,
                       "rows": part.to_dict("records")}
    return {"quarter": str(quarter), "lists": lists, "limit": limit}
