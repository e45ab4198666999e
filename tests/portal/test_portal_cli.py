"""`tpbis users add/list/remove` and `tpbis dashboard`'s refusals, through the real CLI."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from tpbis.cli.main import app

runner = CliRunner()


def test_users_add_list_remove(tmp_path):
    users = tmp_path / "users.json"
    added = runner.invoke(app, ["users", "add", "kab-bengkalis", "--scope", "14.03", "--password-stdin",
                                "--users", str(users)], input="kata-sandi-panjang-1\n")
    assert added.exit_code == 0, added.output
    assert "kab-bengkalis" in added.output and "kata-sandi-panjang-1" not in added.output
    runner.invoke(app, ["users", "add", "riau", "--scope", "provinsi", "--password-stdin", "--users", str(users)],
                  input="kata-sandi-panjang-2\n")
    listed = runner.invoke(app, ["users", "list", "--users", str(users)])
    assert listed.exit_code == 0
    assert listed.output.splitlines() == ["kab-bengkalis\t14.03", "riau\tprovinsi"]
    stored = users.read_text()
    assert "kata-sandi-panjang" not in stored
    assert all(u["password_hash"].startswith("$argon2id$") for u in json.loads(stored)["users"].values())
    removed = runner.invoke(app, ["users", "remove", "riau", "--users", str(users)])
    assert removed.exit_code == 0
    assert runner.invoke(app, ["users", "list", "--users", str(users)]).output.splitlines() == ["kab-bengkalis\t14.03"]


def test_users_env_setting(tmp_path, monkeypatch):
    users = tmp_path / "via-env.json"
    monkeypatch.setenv("TPBIS_USERS", str(users))
    assert runner.invoke(app, ["users", "add", "a1", "--scope", "14.72", "--password-stdin"],
                         input="kata-sandi-panjang-3\n").exit_code == 0
    assert users.exists()


def _one_line_error(result, code: int, *words: str) -> None:
    assert result.exit_code == code, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]


def test_bad_scope_short_password_duplicate_unknown_user_missing_file(tmp_path):
    users = tmp_path / "users.json"
    for scope in ("14.3", "riau", "14.03.01", ""):
        _one_line_error(runner.invoke(app, ["users", "add", "x1", "--scope", scope, "--password-stdin",
                                            "--users", str(users)], input="kata-sandi-panjang\n"), 2, "scope")
    assert not users.exists()
    _one_line_error(runner.invoke(app, ["users", "add", "x1", "--scope", "14.03", "--password-stdin",
                                        "--users", str(users)], input="pendek\n"), 2, "at least")
    _one_line_error(runner.invoke(app, ["users", "list", "--users", str(users)]), 2, str(users))
    runner.invoke(app, ["users", "add", "x1", "--scope", "14.03", "--password-stdin", "--users", str(users)],
                  input="kata-sandi-panjang\n")
    _one_line_error(runner.invoke(app, ["users", "add", "x1", "--scope", "14.03", "--password-stdin",
                                        "--users", str(users)], input="kata-sandi-panjang\n"), 2, "already exists")
    _one_line_error(runner.invoke(app, ["users", "remove", "nobody", "--users", str(users)]), 2, "nobody")
    _one_line_error(runner.invoke(app, ["users", "add", "Bad Name", "--scope", "14.03", "--password-stdin",
                                        "--users", str(users)], input="kata-sandi-panjang\n"), 2, "user name")


def test_dashboard_refuses_missing_users_file_and_missing_warehouse(tmp_path, portal_files):
    _one_line_error(runner.invoke(app, ["dashboard", "--warehouse", str(portal_files["warehouse"]),
                                        "--users", str(tmp_path / "none.json")]), 2, str(tmp_path / "none.json"))
    _one_line_error(runner.invoke(app, ["dashboard", "--warehouse", str(tmp_path / "none.duckdb"),
                                        "--users", str(portal_files["users"])]), 2, str(tmp_path / "none.duckdb"))
