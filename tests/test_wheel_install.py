"""A built wheel works outside the checkout: `sql/` and `config/` ship inside it, and its
`tpbis sync` runs the sample villages (local server) from another directory."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from tpbis.settings import CONFIG_DIR, PROJECT_ROOT

SOURCES = ["tpbis", "flows", "transforms", "sql", "config", "pyproject.toml", "setup.py", "README.md"]


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{cmd}\n{done.stdout}\n{done.stderr}"
    return done


def test_wheel_installed_in_a_fresh_venv_syncs_the_sample_villages(sheets_server, tmp_path):
    # the wheel, built from a clean copy of the sources (no build/ left in the checkout)
    src = tmp_path / "src"
    for name in SOURCES:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(path, src / name)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "-w", tmp_path / "dist", src])
    wheel = next((tmp_path / "dist").glob("tpbis_warehouse-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "tpbis/_resources/sql/reports/descriptions.toml" in names
    assert "tpbis/_resources/config/villages.csv" in names
    assert "flows/nightly_sync.py" in names and "transforms/reference.py" in names

    # a fresh venv whose dependencies come from this venv's site-packages (a plain path in a
    # .pth: the editable install of the checkout is NOT picked up), tpbis from the wheel
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (purelib / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel])

    work = tmp_path / "elsewhere"
    work.mkdir()
    registry = shutil.copy(CONFIG_DIR / "villages.csv", work / "registry.csv")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_API", "TPBIS_", "PYTHON"))}
    env.update(TPBIS_SHEETS_API_URL=sheets_server.url, TPBIS_DRIVE_API_URL=sheets_server.url,
               TPBIS_SHEETS_READS_PER_MINUTE="100000", PREFECT_HOME=str(tmp_path / "prefect"),
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180")
    where = run([python, "-c", "import tpbis, tpbis.settings as s; print(tpbis.__file__); print(s.SQL_DIR)"],
                cwd=work, env=env).stdout.split()
    assert all(Path(p).is_relative_to(venv) for p in where), where
    done = subprocess.run([venv / "bin" / "tpbis", "sync", "--registry", registry, "--warehouse", "wh/tpbis.duckdb"],
                          cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "17" in done.stdout
    assert (work / "wh" / "tpbis.duckdb").is_file()
