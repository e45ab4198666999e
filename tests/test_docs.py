"""Tests keep the docs honest: every setting, CLI command and report view is documented."""
from pathlib import Path

import duckdb
import pytest

from tpbis.settings import PROJECT_ROOT, SETTINGS_DOC, Settings
from tpbis.warehouse.store import apply_schema

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
DOCS = README + "".join(p.read_text(encoding="utf-8") for p in (PROJECT_ROOT / "docs").glob("*.md"))


@pytest.mark.parametrize("name", sorted(SETTINGS_DOC))
def test_every_setting_is_in_the_readme(name):
    assert f"`{name}`" in README


def test_settings_defaults_match_the_contract():
    s = Settings.from_env({})
    assert s.sheets_api_url == "https://sheets.googleapis.com"
    assert s.drive_api_url == "https://www.googleapis.com"
    assert s.reads_per_minute == 60
    assert s.warehouse == Path("data/tpbis.duckdb")
    assert s.registry.name == "villages.csv" and s.registry.parent.name == "config"
    assert not s.is_local
    assert Settings.from_env({"TPBIS_SHEETS_API_URL": "http://127.0.0.1:9/",
                              "TPBIS_DRIVE_API_URL": "http://localhost:9"}).is_local


def _commands():
    from typer.main import get_command
    from tpbis.cli.main import app
    root = get_command(app)
    for name, cmd in root.commands.items():
        if hasattr(cmd, "commands"):
            yield from (f"{name} {sub}" for sub in cmd.commands)
        else:
            yield name


@pytest.mark.parametrize("command", sorted(_commands()))
def test_every_cli_command_is_documented(command):
    assert f"tpbis {command}" in DOCS


def test_every_report_view_is_documented(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    apply_schema(con)
    views = [v for (v,) in con.execute("select view_name from duckdb_views() where schema_name = 'report'").fetchall()]
    assert len(views) >= 9
    missing = [v for v in views if f"report.{v}" not in DOCS]
    assert missing == []


def test_every_module_is_named_in_the_architecture_page():
    """docs/architecture.md's Layout names each module of tpbis/ and flows/ (by file name, in
    its folder's block), so the tree a newcomer reads there is the tree on disk."""
    layout = (PROJECT_ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    layout = layout[layout.index("## Layout"):layout.index("## The workbook JSON file")]
    modules = [p for package in ("tpbis", "flows") for p in (PROJECT_ROOT / package).rglob("*.py")
               if p.name != "__init__.py"]
    missing = [str(p.relative_to(PROJECT_ROOT)) for p in modules if f" {p.name} " not in layout]
    folders = {p.parent.name + "/" for p in modules}
    assert missing == [] and [f for f in folders if f not in layout] == []
