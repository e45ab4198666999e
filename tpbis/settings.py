"""One settings object, read from the environment (contract section 2) with tested defaults.

Every setting a user can change is listed in `SETTINGS_DOC`; `tests/test_docs.py` checks
that the README documents each of them, so the docs cannot fall behind the code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from tpbis.errors import UsageError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def resource_dir(name: str) -> Path:
    """`sql/` or `config/`: the checkout's folder, or else the copy an installed wheel ships
    as `tpbis/_resources/<name>` (setup.py), found with importlib.resources."""
    checkout = PROJECT_ROOT / name
    if (PROJECT_ROOT / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    from importlib.resources import files
    return Path(str(files("tpbis") / "_resources" / name))


CONFIG_DIR = resource_dir("config")
SQL_DIR = resource_dir("sql")

GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"
GOOGLE_DRIVE_URL = "https://www.googleapis.com"
READ_SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets.readonly",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
]
WRITE_SCOPES = [
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/drive.metadata.readonly",
]
# creating a village's sheet: Drive's files.create needs a Drive scope; `drive.file` reaches
# only the files it created
CREATE_SCOPES = [*WRITE_SCOPES, "https://www.googleapis.com/auth/drive.file"]

SETTINGS_DOC = {
    "TPBIS_SHEETS_API_URL": "where the Google Sheets API v4 is served (default https://sheets.googleapis.com)",
    "TPBIS_DRIVE_API_URL": "where the Drive API v3 is served (default https://www.googleapis.com)",
    "TPBIS_CREDENTIALS": "service-account key file for real Google (or GOOGLE_APPLICATION_CREDENTIALS)",
    "TPBIS_AUTH": "credentials: auto (default: none on loopback, else the key file, else application default credentials), key, adc or none",
    "TPBIS_SHEETS_READS_PER_MINUTE": "pace kept for Sheets read requests, all workers together (default 60)",
    "TPBIS_SHEETS_WRITES_PER_MINUTE": "pace kept for Sheets write requests by --write-back (default 60)",
    "TPBIS_WAREHOUSE": "the published warehouse file readers open (default data/tpbis.duckdb)",
    "TPBIS_REGISTRY": "the village registry CSV (default config/villages.csv)",
    "TPBIS_FETCH_WORKERS": "concurrent fetch threads (default 8)",
    "TPBIS_CHUNK_SIZE": "spreadsheets fetched together, then parsed and loaded in one transaction (default 200)",
    "TPBIS_FULL_SWEEP_DAYS": "days between full re-reads that ignore modifiedTime (default 7; 0 = never)",
    "TPBIS_MAX_ATTEMPTS": "attempts per request on 429/5xx/timeouts before a village fails (default 6)",
    "TPBIS_BACKOFF_SECONDS": "base of the exponential back-off between retries, in seconds (default 1)",
    "TPBIS_TASK_RUNNER": "Prefect task runner of the fetch step: threads (default) or dask",
    "TPBIS_DASK_ADDRESS": "with TPBIS_TASK_RUNNER=dask: a running Dask scheduler (default: a local cluster of 2 processes)",
    "TPBIS_GLOBAL_RATE_LIMIT": "name of a Prefect global concurrency limit (with slot decay) that paces Sheets reads across processes",
    "TPBIS_ALERT_WEBHOOK_URL": "URL that gets a JSON POST when a run fails or a village keeps failing",
    "TPBIS_ALERT_BLOCK": "Prefect notification block (type-slug/name, e.g. slack-webhook/tpbis-alerts) notified on the same alerts",
    "TPBIS_ALERT_FAILED_NIGHTS": "failed attempts in a row before a village alerts (default 3)",
    "TPBIS_MAX_REMOVED_SHARE": "largest share of registered villages a registry may drop in one sync without --accept-removals (default 0.1)",
    "TPBIS_USERS": "the portal's users file (default data/users.json); --users overrides",
    "TPBIS_PORTAL_CACHE": "folder where the portal keeps generated downloads, per snapshot (default data/portal-cache)",
    "TPBIS_PORTAL_TRUSTED_PROXIES": "comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto the portal trusts (default none)",
    "TPBIS_PROGRESS_SECONDS": "seconds between progress lines of a sync in the Prefect log and piped output (default 30; 0 = off)",
    "TPBIS_PROGRESS_EVERY": "also a progress line every N sheets fetched (default 0 = off)",
    "TPBIS_SYNC_TIMEOUT_SECONDS": "a nightly sync run still going after this long is stopped by Prefect (default 36000)",
}


@dataclass(frozen=True)
class Settings:
    sheets_api_url: str = GOOGLE_SHEETS_URL
    drive_api_url: str = GOOGLE_DRIVE_URL
    credentials_file: str | None = None
    auth: str = "auto"                  # auto / key / adc / none (tpbis.google.auth)
    reads_per_minute: float = 60.0
    writes_per_minute: float = 60.0
    warehouse: Path = Path("data/tpbis.duckdb")
    registry: Path = CONFIG_DIR / "villages.csv"
    config_dir: Path = CONFIG_DIR
    fetch_workers: int = 8
    chunk_size: int = 200
    full_sweep_days: int = 7
    max_attempts: int = 6
    backoff_base: float = 1.0
    max_removed_share: float = 0.1
    progress_seconds: float = 30.0
    progress_every: int = 0
    sync_timeout_seconds: float = 36000.0   # the nightly-sync flow's timeout (10 h)
    task_runner: str = "threads"        # threads / dask (tpbis.sync.task_runner)
    dask_address: str | None = None
    global_rate_limit: str | None = None  # a Prefect global concurrency limit (tpbis.google.global_limit)
    alert_webhook_url: str | None = None  # tpbis.notify.alerts
    alert_block: str | None = None
    alert_failed_nights: int = 3
    users_file: Path = Path("data/users.json")   # the portal (tpbis.portal)
    portal_cache: Path = Path("data/portal-cache")
    trusted_proxies: frozenset[str] = frozenset()

    @property
    def is_local(self) -> bool:
        """True when both APIs are on this machine: no credentials are needed then."""
        from tpbis.google.client import is_loopback      # lazy: gspread is slow to import
        return is_loopback(self.sheets_api_url) and is_loopback(self.drive_api_url)

    @property
    def working_file(self) -> Path:
        """The sync's private read-write file; readers only ever open `warehouse`."""
        return self.warehouse.with_name(self.warehouse.stem + ".sync.duckdb")

    def with_(self, **changes) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        """Read every setting; a value that cannot be read is a `SettingError` naming its
        variable (exit 2), e.g. `TPBIS_FETCH_WORKERS='abc' must be a whole number`."""
        env = os.environ if env is None else env
        d = cls()
        text = lambda name, default=None: (env.get(name) or "").strip() or default   # noqa: E731
        return cls(
            sheets_api_url=env.get("TPBIS_SHEETS_API_URL", d.sheets_api_url).rstrip("/"),
            drive_api_url=env.get("TPBIS_DRIVE_API_URL", d.drive_api_url).rstrip("/"),
            credentials_file=env.get("TPBIS_CREDENTIALS") or env.get("GOOGLE_APPLICATION_CREDENTIALS"),
            auth=(env.get("TPBIS_AUTH") or d.auth).strip().lower(),
            reads_per_minute=_number(env, "TPBIS_SHEETS_READS_PER_MINUTE", d.reads_per_minute, float),
            writes_per_minute=_number(env, "TPBIS_SHEETS_WRITES_PER_MINUTE", d.writes_per_minute, float),
            warehouse=Path(env.get("TPBIS_WAREHOUSE", d.warehouse)),
            registry=Path(env.get("TPBIS_REGISTRY", d.registry)),
            fetch_workers=_number(env, "TPBIS_FETCH_WORKERS", d.fetch_workers, int),
            chunk_size=_number(env, "TPBIS_CHUNK_SIZE", d.chunk_size, int),
            full_sweep_days=_number(env, "TPBIS_FULL_SWEEP_DAYS", d.full_sweep_days, int),
            max_attempts=_number(env, "TPBIS_MAX_ATTEMPTS", d.max_attempts, int),
            backoff_base=_number(env, "TPBIS_BACKOFF_SECONDS", d.backoff_base, float),
            max_removed_share=_share(env, "TPBIS_MAX_REMOVED_SHARE", d.max_removed_share),
            progress_seconds=_number(env, "TPBIS_PROGRESS_SECONDS", d.progress_seconds, float),
            progress_every=_number(env, "TPBIS_PROGRESS_EVERY", d.progress_every, int),
            sync_timeout_seconds=_number(env, "TPBIS_SYNC_TIMEOUT_SECONDS", d.sync_timeout_seconds, float),
            task_runner=text("TPBIS_TASK_RUNNER", d.task_runner).lower(),
            dask_address=text("TPBIS_DASK_ADDRESS"),
            global_rate_limit=text("TPBIS_GLOBAL_RATE_LIMIT"),
            alert_webhook_url=text("TPBIS_ALERT_WEBHOOK_URL"),
            alert_block=text("TPBIS_ALERT_BLOCK"),
            # 0 or less would alert on nights that did not happen: at least one
            alert_failed_nights=max(1, _number(env, "TPBIS_ALERT_FAILED_NIGHTS", d.alert_failed_nights, int)),
            users_file=Path(text("TPBIS_USERS", d.users_file)),
            portal_cache=Path(text("TPBIS_PORTAL_CACHE", d.portal_cache)),
            trusted_proxies=frozenset(a.strip() for a in env.get("TPBIS_PORTAL_TRUSTED_PROXIES", "").split(",")
                                      if a.strip()),
        )


class SettingError(UsageError, ValueError):
    """A setting (environment variable) that cannot be read: exit 2, naming the variable."""


def _number(env, name: str, default, kind: type):
    """An int or float setting; blank means the default; anything unreadable names `name`."""
    text = (env.get(name) or "").strip()
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingError(f"{name}={text!r} must be {what} (default {default})") from None


def _share(env, name: str, default: float) -> float:
    """A ratio 0..1 from the environment; anything else is a configuration error (exit 2)."""
    text = env.get(name, "").strip()
    try:
        value = float(text) if text else default
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise SettingError(f"{name}={text!r} must be a share between 0 and 1 (e.g. 0.1 for 10 %)")
    return value
