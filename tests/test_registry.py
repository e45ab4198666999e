"""The registry is checked before anything else runs (contract section 2, issue 12 items 3, 4,
6, 7): one fixture per way people break it, each refused by the real `tpbis sync` with exit 2,
one line naming file:line:column, no traceback, Prefect never imported, nothing touched."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tpbis.cli.main import app
from tpbis.extract.write import plan_scopes, planned_files
from tpbis.wib import Quarter
from tpbis.regions import load_reference
from tpbis.registry import RegistryError, check_registry, check_removals, read_registry
from tpbis.settings import CONFIG_DIR, PROJECT_ROOT

FIXTURES = Path(__file__).parent / "registries"
REFERENCE = load_reference(CONFIG_DIR)

# fixture -> (line, column, words the one line must contain)
REFUSED = {
    "empty.csv": (1, 1, "empty"),
    "header_only.csv": (2, 1, "no villages"),
    "missing_column.csv": (1, 8, "missing column(s) kelompok"),
    "duplicate_header.csv": (1, 9, "kode_desa appears twice"),
    "duplicate_kode_desa.csv": (4, 1, "duplicate kode_desa '14.03.01.2020' (also on line 2)"),
    "duplicate_key.csv": (4, 8, "duplicate spreadsheet_key"),
    "kode_desa_not_kemendagri.csv": (3, 1, "'14.3.1.2021' is not a Kemendagri village code"),
    "kode_desa_as_number.csv": (3, 1, "not a Kemendagri village code"),
    "key_outside_alphabet.csv": (4, 8, "is not a Google spreadsheet id"),
    "key_too_short.csv": (4, 8, "is not a Google spreadsheet id"),
    "empty_key.csv": (4, 8, "spreadsheet_key is empty"),
    "unknown_cohort.csv": (3, 6, "unknown kelompok 'mandiri'"),
    "year_with_letter_o.csv": (3, 7, "'2O19' is not a year"),
    "cp1252.csv": (3, 2, "not UTF-8"),
    "comma_in_name_unquoted.csv": (3, 9, "9 values but the header has 8 columns"),
    "kabupaten_of_another_code.csv": (3, 4, "kabupaten 'Siak' is another region than 'Bengkalis'"),
    "kota_name_without_kota.csv": (3, 4, "kabupaten 'Pekanbaru' is another region"),
    "kabupaten_code_not_in_reference.csv": (4, 1, "kabupaten code 14.99 of kode_desa 14.99.02.2008 is not in"),
    "kecamatan_code_named_twice.csv": (4, 3, "kecamatan 'Dumai Timur' of 14.72.01 was 'Dumai Barat' on line 2"),
}

RUN_CLI = """
import os, sys
from tpbis.cli.main import app
try:
    app(prog_name="tpbis")
finally:
    with open(os.environ["IMPORTED_MARKER"], "w") as f:
        f.write(" ".join(sorted(m for m in sys.modules if m.split(".")[0] == "prefect")))
"""


def test_every_fixture_has_an_expectation():
    assert {p.name for p in FIXTURES.glob("*.csv")} == set(REFUSED)


def run_cli(args: list[str], tmp_path: Path, env: dict | None = None) -> tuple[subprocess.CompletedProcess, str]:
    """`tpbis ARGS` in a fresh process, as a person runs it; also which Prefect modules it imported."""
    marker = tmp_path / "imported.txt"
    done = subprocess.run([sys.executable, "-c", RUN_CLI, *args], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, **(env or {}), "IMPORTED_MARKER": str(marker)}, timeout=120)
    return done, marker.read_text() if marker.exists() else "(no marker)"


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_sync_refuses_a_broken_registry_in_one_line(name, tmp_path, monkeypatch):
    line, column, words = REFUSED[name]
    monkeypatch.chdir(tmp_path)
    registry = tmp_path / name
    registry.write_bytes((FIXTURES / name).read_bytes())
    before = registry.read_bytes()
    result = CliRunner().invoke(app, ["sync", "--registry", name, "--warehouse", "wh/tpbis.duckdb"])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Error: {registry}:{line}:{column}: "), lines[0]     # absolute path
    assert words in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "wh").exists() and registry.read_bytes() == before        # nothing touched


# a fresh process each (slower): the very command a person runs, checked for Prefect imports
@pytest.mark.parametrize("name", ["header_only.csv", "cp1252.csv", "duplicate_key.csv", "kabupaten_of_another_code.csv"])
def test_the_command_refuses_before_prefect_is_imported(name, tmp_path):
    line, column, words = REFUSED[name]
    registry = tmp_path / name
    registry.write_bytes((FIXTURES / name).read_bytes())
    before = registry.read_bytes()
    warehouse = tmp_path / "wh" / "tpbis.duckdb"
    done, prefect_modules = run_cli(["sync", "--registry", name, "--warehouse", str(warehouse)], tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith(f"Error: {registry}:{line}:{column}: ") and words in done.stderr
    assert prefect_modules == ""                       # refused before Prefect was even imported
    assert not (tmp_path / "wh").exists() and registry.read_bytes() == before


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_flow_refuses_the_same_registries(name):
    """Defence in depth: the sync flow (and deployments, which skip the command line) reads
    the registry through the same check."""
    with pytest.raises(RegistryError) as refused:
        read_registry(FIXTURES / name)
    line, column, words = REFUSED[name]
    assert str(refused.value).startswith(f"{(FIXTURES / name).absolute()}:{line}:{column}: ")
    assert "\n" not in str(refused.value)


def test_verbose_shows_the_traceback_too(tmp_path):
    (tmp_path / "r.csv").write_bytes((FIXTURES / "duplicate_key.csv").read_bytes())
    done, _ = run_cli(["sync", "--registry", "r.csv", "--verbose"], tmp_path)
    assert done.returncode == 2 and "Traceback" in done.stderr
    assert done.stderr.splitlines()[-1].startswith(f"Error: {tmp_path / 'r.csv'}:4:8: duplicate spreadsheet_key")


def test_a_registry_as_people_type_it_is_accepted_with_reference_names():
    """BOM, semicolons, a blank line, extra column, header case, `Kab. Bengkalis`, ` BENGKALIS`,
    `Bengkalis `, `Dumai`, `Kec. Bengkalis`, `RIAU`, `Replikasi`, `replikasi mandiri`."""
    rows = check_registry(FIXTURES / "accepted" / "as_typed.csv")
    assert [(r["kode_desa"], r["desa"], r["kecamatan"], r["kabupaten"], r["provinsi"], r["kelompok"]) for r in rows] == [
        ("14.03.01.2020", "Wonosari", "Bengkalis", "Bengkalis", "Riau", "replikasi"),
        ("14.03.01.2021", "Kuala Alam", "Bengkalis", "Bengkalis", "Riau", "replikasi"),
        ("14.03.02.2008", "Jangkang", "Bantan", "Bengkalis", "Riau", "replikasi_mandiri"),
        ("14.72.01.1003", "Gamma", "Dumai Barat", "Kota Dumai", "Riau", "calon_replikasi_mandiri"),
    ]
    # a kecamatan the reference does not know (14.72.01) keeps its registry name
    assert REFERENCE.get("14.72.01") is None


def test_the_shipped_registry_passes():
    assert len(check_registry(CONFIG_DIR / "villages.csv")) == 17


# --- removals -------------------------------------------------------------------------------

def test_removal_guard_counts_against_the_share():
    registered = {f"14.03.01.{2000 + i}" for i in range(20)}
    keep = sorted(registered)
    check_removals(Path("v.csv"), keep[2:], registered, 0.1)            # 2 of 20 = 10 %: fine
    with pytest.raises(RegistryError) as refused:
        check_removals(Path("v.csv"), keep[3:], registered, 0.1)        # 3 of 20: too many
    assert "3 of 20 registered villages would disappear" in str(refused.value)
    assert "--accept-removals" in str(refused.value)
    check_removals(Path("v.csv"), keep[3:], registered, 0.1, accept=True)
    check_removals(Path("v.csv"), keep[:1], set(), 0.1)                 # a first sync removes nothing


def test_bad_share_setting_is_a_usage_error(tmp_path):
    (tmp_path / "r.csv").write_bytes((CONFIG_DIR / "villages.csv").read_bytes())
    done, modules = run_cli(["sync", "--registry", "r.csv"], tmp_path, {"TPBIS_MAX_REMOVED_SHARE": "10%"})
    assert done.returncode == 2 and done.stderr.splitlines() == [
        "Error: TPBIS_MAX_REMOVED_SHARE='10%' must be a share between 0 and 1 (e.g. 0.1 for 10 %)"]
    assert modules == ""


# --- generated registries -------------------------------------------------------------------

KABUPATEN = [r for r in REFERENCE.of_level("kabupaten")]
KECAMATAN = {r.code: r for r in REFERENCE.of_level("kecamatan")}
KEY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


@st.composite
def spelling(draw, name: str) -> str:
    """One way a person types `name`: case, spaces, an administrative prefix."""
    bare = name.removeprefix("Kota ")
    is_kota = bare != name
    prefix = draw(st.sampled_from(["Kota ", "KOTA ", "Kodya "] if is_kota else ["", "", "Kab. ", "Kabupaten ", "KAB "]))
    if is_kota and draw(st.booleans()):
        prefix = ""           # `Dumai` for Kota Dumai
    text = draw(st.sampled_from([str.upper, str.lower, str.title, lambda s: s]))(prefix + bare)
    return draw(st.sampled_from(["", " ", "  "])) + text.replace(" ", draw(st.sampled_from([" ", "  "]))) + \
        draw(st.sampled_from(["", " "]))


@st.composite
def registry_rows(draw):
    """Rows with random codes, spellings and keys, and what should make the registry refused."""
    rows, defects = [], []
    for _ in range(draw(st.integers(1, 6))):
        kab = draw(st.sampled_from(KABUPATEN))
        unknown_code = draw(st.integers(0, 9)) == 0
        code = "14.99" if unknown_code else kab.code
        kec = draw(st.sampled_from(["01", "02", "09", "13", "41"]))
        kode = f"{code}.{kec}.{draw(st.integers(1000, 1004))}"
        alien = draw(st.integers(0, 9)) == 0
        if alien:
            other = draw(st.sampled_from([k for k in KABUPATEN if k.code != kab.code]))
            name = draw(spelling(other.name))
        else:
            name = draw(st.one_of(spelling(kab.name), st.just("")))
        key_ok = draw(st.integers(0, 11)) > 0
        key = "1" + draw(st.text(KEY_CHARS, min_size=30, max_size=43))
        if not key_ok:
            key = key[:10] + draw(st.sampled_from(["/", "%2F", "?x=1", ".", " x"])) + key[10:]
        cohort = draw(st.sampled_from(["replikasi", "Replikasi Mandiri", "calon_replikasi_mandiri", "mandiri"]))
        kecamatan_name = draw(st.sampled_from(["Sintetis", " Kec. Sintetis ", ""]))
        rows.append({"kode_desa": kode, "desa": "Desa Uji", "kecamatan": kecamatan_name, "kabupaten": name,
                     "provinsi": draw(st.sampled_from(["Riau", " RIAU", "Prov. Riau"])), "kelompok": cohort,
                     "tahun_kelompok": "2022", "spreadsheet_key": key})
        known_kecamatan = f"{code}.{kec}" in KECAMATAN
        defects.append(unknown_code or (alien and not unknown_code) or not key_ok or cohort == "mandiri"
                       or (kecamatan_name == "" and not known_kecamatan))
    codes = [r["kode_desa"] for r in rows]
    keys = [r["spreadsheet_key"] for r in rows]
    duplicated = len(set(codes)) < len(codes) or len(set(keys)) < len(keys)
    return rows, any(defects) or duplicated


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=registry_rows())
def test_generated_registries_are_refused_in_one_line_or_resolved_to_one_region_per_code(generated, tmp_path):
    rows, should_refuse = generated
    path = tmp_path / "villages.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    try:
        villages = check_registry(path)
    except RegistryError as e:
        message = str(e)
        assert should_refuse, message
        assert "\n" not in message and message.startswith(f"{path}:")
        line, column = message[len(str(path)) + 1:].split(":")[:2]
        assert 1 <= int(line) <= len(rows) + 1 and 1 <= int(column) <= 8
        return
    assert not should_refuse, rows
    for village in villages:
        assert village["kabupaten"] == REFERENCE.get(village["kode_desa"][:5]).name
        assert village["provinsi"] == "Riau"
        known = KECAMATAN.get(village["kode_desa"][:8])
        assert village["kecamatan"] == (known.name if known else "Sintetis")
    scopes = plan_scopes(villages, REFERENCE)
    codes = {v["kode_desa"][:5] for v in villages}
    assert sorted(s.code for s in scopes if s.kabupaten) == sorted(codes)    # one scope per code
    files = planned_files(Quarter(2022, 4), scopes)                          # no file written twice
    assert len(files) == len(set(files))
