"""A `prefect.yaml` pull step: run the flow from the TPBIS checkout, or say what is missing.

Prefect's own `set_working_directory` with `{{ $TPBIS_HOME }}` fails on a worker without
TPBIS_HOME with `FileNotFoundError: [Errno 2] No such file or directory: ''`, which names
nothing. This step names the variable and the folder it expected.
"""
from __future__ import annotations

import os
from pathlib import Path

from tpbis.errors import UsageError


class NoCheckout(UsageError):
    """TPBIS_HOME is unset or does not point at a checkout of this repository."""


def use_checkout(directory: str | None = None) -> dict:
    """chdir into the checkout (`directory`, else env TPBIS_HOME); returns {"directory": ...}."""
    text = (directory or "").strip()
    if not text or text.startswith("{{"):          # unset when deployed: try the worker's own
        text = os.environ.get("TPBIS_HOME", "").strip()
    if not text:
        raise NoCheckout("TPBIS_HOME is not set for this flow run: set it on the worker (or in the "
                         "deployment's job_variables env) to the folder of the TPBIS checkout, e.g. /opt/tpbis")
    path = Path(text).expanduser().resolve()
    if not (path / "flows" / "nightly_sync.py").is_file():
        raise NoCheckout(f"TPBIS_HOME={text} is not a TPBIS checkout: {path / 'flows' / 'nightly_sync.py'} "
                         "does not exist; point TPBIS_HOME at the repository folder")
    os.chdir(path)
    return {"directory": str(path)}
