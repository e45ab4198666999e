"""Deterministic sample workbooks for the 17 Bengkalis village libraries, with ground truth.

Why: the pipeline is demonstrated and tested without Google, against sheets that look like
what librarians really send (contract section 4: header variants, Indonesian month
spellings, `1.234` typed as text, totals rows...) plus a few rows that must be rejected
(section 5). The truth is generated first, as clean typed records; each record is then
rendered into cells, messily or not. The truth is therefore exact by construction: nothing
in this module parses a cell back.

The habits of each librarian (which mess, which rejects) are fixed per village in `STYLES`
(tpbis/local_sheets/librarians/habits.py), so every kind of mess appears whatever the seed;
the seed only moves the numbers. How one village's workbook is written: librarians/village.py.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tpbis import files
from tpbis.local_sheets.librarians.habits import STYLES, Style
from tpbis.local_sheets.librarians.village import Village
from tpbis.local_sheets.librarians.vocabulary import MODIFIED_TIME, REASONS, TABS
from tpbis.local_sheets.workbook_files import save_workbook
from tpbis.settings import CONFIG_DIR

SAMPLE_VERSION = "tpbis-sample/1"
DEFAULT_SEED = 20221013          # the Bengkalis Peer Learning Meeting, 13 October 2022
DEFAULT_START = date(2022, 1, 1)
DEFAULT_END = date(2026, 9, 30)
DEFAULT_REGISTRY = CONFIG_DIR / "villages.csv"


# --- the registry ------------------------------------------------------------------------

def sample_key(kode_desa: str) -> str:
    """A Google-looking spreadsheet id (44 chars, starts with '1'), stable for a village code.

    Derived, not random, so config/villages.csv and the sample files always agree."""
    digest = hashlib.sha256(f"tpbis-sample:{kode_desa}".encode()).digest()
    return "1" + base64.urlsafe_b64encode(digest).decode()[:43]


def load_registry(path: str | Path = DEFAULT_REGISTRY) -> list[dict]:
    """The registry rows as dicts of text (a code like 14.03.02.2008 is never a number)."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]

@dataclass
class Sample:
    """Sample workbooks by spreadsheet key, and the truth about them (JSON-serialisable)."""
    workbooks: dict[str, dict]
    truth: dict
    registry: list[dict] = field(default_factory=list)


def registry_fingerprint(registry_rows: list[dict]) -> str:
    """A hash of the registry, so a sample made from another registry is seen as stale."""
    text = json.dumps(registry_rows, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:16]



# --- the public API --------------------------------------------------------------------------

def _stamp(registry_rows: list[dict], seed: int, start: date, end: date) -> dict:
    return {"version": SAMPLE_VERSION, "seed": seed, "start": start.isoformat(),
            "end": end.isoformat(), "registry": registry_fingerprint(registry_rows),
            "modified_time": MODIFIED_TIME}


def generate_sample(registry_rows: list[dict], *, start: date = DEFAULT_START,
                    end: date = DEFAULT_END, seed: int = DEFAULT_SEED) -> Sample:
    """One workbook per registry row (all five tabs), and the truth about each.

    A village's random stream depends only on the seed and its code, so adding a village
    to the registry does not change the others."""
    workbooks, villages = {}, {}
    for row in registry_rows:
        kode = row["kode_desa"]
        key = row.get("spreadsheet_key") or sample_key(kode)
        rng = random.Random(f"{seed}:{kode}")
        workbook, truth = Village(row, STYLES.get(kode, Style()), rng, start, end).build(key)
        workbooks[key], villages[kode] = workbook, truth
    totals = {}
    for tab in TABS:
        counts = [v["tabs"][tab] for v in villages.values()]
        totals[tab] = {"rows_read": sum(c["rows_read"] for c in counts),
                       "loaded": sum(len(c["loaded"]) for c in counts),
                       "rejected_rows": sum(len({r["row"] for r in c["rejected"]}) for c in counts)}
    truth = {"generator": _stamp(registry_rows, seed, start, end), "reasons": list(REASONS),
             "totals": totals, "villages": villages}
    return Sample(workbooks=workbooks, truth=truth, registry=list(registry_rows))


TRUTH_FILE = Path("truth") / "truth.json"


def truth_path(directory: str | Path) -> Path:
    """Where `write_sample` puts the truth: in a subfolder, because the Sheets server and
    the demo take every `*.json` file directly in the directory for a workbook."""
    return Path(directory) / TRUTH_FILE


def load_truth(directory: str | Path) -> dict:
    """The truth written next to a sample's workbooks."""
    return json.loads(truth_path(directory).read_text(encoding="utf-8"))


def write_sample(sample: Sample, directory: str | Path) -> Path:
    """`<key>.json` per workbook, then `truth/truth.json` last (so a half-written directory
    is seen as stale). Workbooks of an earlier sample that are no longer in it are removed."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = truth_path(directory)
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            old_keys = {v["spreadsheet_key"] for v in old.get("villages", {}).values()}
        except (ValueError, KeyError, AttributeError, TypeError):
            old_keys = set()
        for key in old_keys - set(sample.workbooks):
            (directory / f"{key}.json").unlink(missing_ok=True)
        path.unlink()
    for key, workbook in sample.workbooks.items():
        save_workbook(workbook, directory / f"{key}.json")
    files.write_text(path, json.dumps(sample.truth, ensure_ascii=False, indent=1) + "\n")
    return directory


def sample_dir(directory: str | Path, *, registry: str | Path | None = None,
               seed: int = DEFAULT_SEED) -> Path:
    """The sample directory, (re)generated only when missing or stale (another version,
    seed or registry), so the demo can call it on every start."""
    directory = Path(directory)
    rows = load_registry(registry or DEFAULT_REGISTRY)
    stamp = _stamp(rows, seed, DEFAULT_START, DEFAULT_END)
    try:
        truth = load_truth(directory)
        fresh = truth.get("generator") == stamp and all(
            (directory / f"{v['spreadsheet_key']}.json").exists() for v in truth["villages"].values())
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        fresh = False
    if not fresh:
        write_sample(generate_sample(rows, seed=seed), directory)
    return directory
