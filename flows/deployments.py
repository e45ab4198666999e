"""The two scheduled jobs as Prefect deployments, served by `tpbis serve`.

    nightly-sync/nightly-served          01:00 WIB every day     parameters: full=false, write_back=false
    quarterly-extract/quarterly-served   03:00 WIB on 5 Jan/Apr/Jul/Oct  parameters: none (quarter = the one just ended)

The served deployments are named `*-served`; the work-pool deployments of `prefect.yaml` are
`nightly` and `quarterly`. Distinct names, because a deployment is keyed by flow and name on
the server: with one name, `tpbis serve --paused` would rewrite the pool deployment (its
pool, its entrypoint) and leave it paused, and `prefect deploy` would take the served one
away from `tpbis serve`. Run one of the two set-ups, not both: both schedules would fire.

Times are in Asia/Jakarta (WIB, UTC+7), never UTC: a bare cron string in Prefect means UTC,
which would run the "01:00" sync at 08:00 in Riau. The extract runs at 03:00 on the 5th,
after that night's sync has published, so the laporan triwulan includes what librarians
typed in the first days of the new quarter about the quarter just ended.

`prefect.serve` runs both in this process's machine, polling the Prefect API set by
PREFECT_API_URL (a local `prefect server start`, or Prefect Cloud after `prefect cloud
login`). `prefect.yaml` at the repository root holds the same two deployments for a work
pool; tests/test_prefect_server.py keeps the two in step.
"""
from __future__ import annotations

from prefect.schedules import Cron

from tpbis.wib import TIME_ZONE

TIMEZONE = TIME_ZONE
SERVED_SUFFIX = "-served"
NIGHTLY = {
    "name": "nightly",
    "cron": "0 1 * * *",
    # Documented defaults; registry / warehouse come from TPBIS_REGISTRY / TPBIS_WAREHOUSE
    # in the serving process's environment unless given here or per run.
    "parameters": {"full": False, "write_back": False},
    "description": "Nightly sync of every changed village sheet into the warehouse (01:00 WIB).",
}
QUARTERLY = {
    "name": "quarterly",
    "cron": "0 3 5 1,4,7,10 *",
    # quarter=None means the last full quarter before today (WIB); out / warehouse default to
    # data/extracts and TPBIS_WAREHOUSE.
    "parameters": {},
    "description": "Laporan triwulan for the quarter just ended (03:00 WIB on the 5th, after the sync).",
}
TAGS = ["tpbis"]


def build_deployments(paused: bool = False) -> list:
    """The RunnerDeployments for `prefect.serve` (importing the flows is deferred to here)."""
    from prefect.deployments.runner import EntrypointType

    from flows.nightly_sync import nightly_sync
    from flows.quarterly_extract import quarterly_extract

    common = {"paused": paused, "tags": TAGS,
              # module path, not file path: works from any working directory once installed
              "entrypoint_type": EntrypointType.MODULE_PATH}
    nightly = nightly_sync.to_deployment(
        name=NIGHTLY["name"] + SERVED_SUFFIX, schedules=[Cron(NIGHTLY["cron"], timezone=TIMEZONE)],
        parameters=NIGHTLY["parameters"], description=NIGHTLY["description"],
        concurrency_limit=1,   # DuckDB has one writer: a manual run waits for the scheduled one
        **common)
    quarterly = quarterly_extract.to_deployment(
        name=QUARTERLY["name"] + SERVED_SUFFIX, schedules=[Cron(QUARTERLY["cron"], timezone=TIMEZONE)],
        parameters=QUARTERLY["parameters"], description=QUARTERLY["description"], **common)
    return [nightly, quarterly]


def serve_all(paused: bool = False, limit: int | None = None) -> None:
    """Register both deployments and run their scheduled and manual runs until Ctrl-C."""
    from prefect import serve
    serve(*build_deployments(paused=paused), limit=limit)
