"""Alerts after a sync: tell a person when the run failed or a village keeps failing.

Nobody watches the 01:00 run, and one failed night is normal (a librarian renaming a tab,
Google having a bad minute). What needs a person is a run in which every sheet read failed
(more than one: the sync itself is broken: quota, credentials, Google down), or a village
that failed N attempts in a row (env TPBIS_ALERT_FAILED_NIGHTS, default 3). Both are
computed from the warehouse after the summary, and sent as ONE message per run to:

  TPBIS_ALERT_WEBHOOK_URL  any URL taking a JSON POST ({"text", "subject", "alerts", ...};
                           `text` makes it a valid Slack/Mattermost/Google Chat incoming webhook)
  TPBIS_ALERT_BLOCK        a saved Prefect notification block, as "type-slug/name", e.g.
                           "slack-webhook/tpbis-alerts" or "custom-webhook/tpbis-alerts";
                           its notify(body, subject) is called

A run that crashes before its summary is not seen here: a Prefect automation on the
flow run's Failed/Crashed state covers it (`failure_automation`, docs/operations.md).

Alerts never fail the flow: every problem is logged (without the URL, which often holds a
token) and the sync's result stands.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass

import pandas as pd
import requests

DEFAULT_FAILED_NIGHTS = 3
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    kind: str                       # run_failed | village_failing
    text: str                       # one line for a person
    kode_desa: str | None = None
    failed_nights: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class AlertConfig:
    failed_nights: int = DEFAULT_FAILED_NIGHTS
    webhook_url: str | None = None
    block: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "AlertConfig":
        """The alert settings of `Settings` (TPBIS_ALERT_*)."""
        from tpbis.settings import Settings
        s = Settings.from_env(env)
        return cls(failed_nights=s.alert_failed_nights, webhook_url=s.alert_webhook_url, block=s.alert_block)


# --- what to say (pure) -------------------------------------------------------------------

def failing_villages(con, run_id: str, nights: int) -> pd.DataFrame:
    """Villages that failed in this run and the `nights - 1` attempts before it."""
    from tpbis.warehouse.store import sql
    return con.execute(sql("queries/alert_failing_villages.sql"), {"run_id": run_id, "nights": nights}).df()


def run_failed(summary: dict) -> bool:
    """The sync itself looks broken: it read more than one sheet and every one failed.

    (The summary's status is also 'failed' on a quiet night when the only sheet read failed
    and the rest were skipped as unchanged; one failing village is left to the N-nights rule.)"""
    return summary["status"] == "failed" and summary["villages_failed"] > 1


def build_alerts(summary: dict, failing: pd.DataFrame) -> list[Alert]:
    """The alerts for one run, from its summary and the failing-villages query."""
    alerts = []
    if run_failed(summary):
        alerts.append(Alert("run_failed", f"Sync {summary['run_id']} failed: every village it read failed "
                                          f"({summary['villages_failed']} failed, none synced)."))
    for r in failing.itertuples():
        desa = r.desa if isinstance(r.desa, str) else ""
        alerts.append(Alert("village_failing",
                            f"{r.kode_desa} {desa}: failed {_nights(int(r.failed_nights))} in a row "
                            f"[{r.reason}] {r.message}",
                            kode_desa=r.kode_desa, failed_nights=int(r.failed_nights), reason=r.reason))
    return alerts


def _nights(n: int) -> str:
    return f"{n} night" if n == 1 else f"{n} nights"


def compute_alerts(con, summary: dict, config: AlertConfig) -> list[Alert]:
    return build_alerts(summary, failing_villages(con, summary["run_id"], config.failed_nights))


def message(summary: dict, alerts: list[Alert]) -> tuple[str, str]:
    """(subject, body) of the one notification for this run."""
    villages = [a for a in alerts if a.kind == "village_failing"]
    parts = []
    if any(a.kind == "run_failed" for a in alerts):
        parts.append("sync failed")
    if villages:
        parts.append(f"{len(villages)} village{'s' if len(villages) != 1 else ''} failing")
    subject = f"TPBIS nightly sync: {', '.join(parts)}"
    body = "\n".join([a.text for a in alerts] +
                     ["", f"Run {summary['run_id']}: {summary['villages_synced']} synced, "
                          f"{summary['villages_failed']} failed. See report.sync_runs and report.village_quality."])
    return subject, body


def payload(summary: dict, alerts: list[Alert]) -> dict:
    """The JSON posted to TPBIS_ALERT_WEBHOOK_URL."""
    subject, body = message(summary, alerts)
    return {"text": f"{subject}\n{body}", "subject": subject, "body": body, "run_id": summary["run_id"],
            "status": summary["status"], "alerts": [asdict(a) for a in alerts]}


# --- where to send it (I/O) ---------------------------------------------------------------

def post_webhook(url: str, body: dict, timeout: float = 10.0) -> int:
    """POST the JSON; returns the HTTP status, raises on a network error or a non-2xx."""
    response = requests.post(url, data=json.dumps(body, default=str), timeout=timeout,
                             headers={"Content-Type": "application/json"})
    response.raise_for_status()
    return response.status_code


def notify_block(slug: str, subject: str, body: str) -> None:
    """Load a saved Prefect notification block ("type-slug/name") and notify through it."""
    from prefect.blocks.core import Block
    block = Block.load(slug)
    block.notify(body, subject=subject)


def send(summary: dict, alerts: list[Alert], config: AlertConfig, logger=None) -> list[str]:
    """Send one notification to each configured channel; returns the channels that took it."""
    logger = logger or log
    if not alerts:
        return []
    for a in alerts:
        logger.warning("ALERT %s", a.text)
    sent = []
    if config.webhook_url:
        try:
            status = post_webhook(config.webhook_url, payload(summary, alerts))
            logger.info("Alert posted to TPBIS_ALERT_WEBHOOK_URL (HTTP %s)", status)
            sent.append("webhook")
        except Exception as e:  # the URL is not logged: it often carries a token
            logger.warning("Alert webhook failed: %s", _describe(e))
    if config.block:
        try:
            notify_block(config.block, *message(summary, alerts))
            logger.info("Alert sent through Prefect block %s", config.block)
            sent.append("block")
        except Exception as e:
            logger.warning("Alert through Prefect block %s failed: %s", config.block, _describe(e))
    if not config.webhook_url and not config.block:
        logger.info("No alert channel configured (TPBIS_ALERT_WEBHOOK_URL / TPBIS_ALERT_BLOCK)")
    return sent


def _describe(e: Exception) -> str:
    """An error without the URL it was about (requests puts the URL in its messages)."""
    if isinstance(e, requests.HTTPError) and e.response is not None:
        return f"HTTP {e.response.status_code}"
    return type(e).__name__


def run(con, summary: dict, logger=None, config: AlertConfig | None = None) -> list[Alert]:
    """Compute and send this run's alerts. Never raises: an alert problem must not fail the sync."""
    logger = logger or log
    try:
        config = config or AlertConfig.from_env()
        alerts = compute_alerts(con, summary, config)
        send(summary, alerts, config, logger)
        return alerts
    except Exception as e:
        logger.warning("Alerts not computed: %s: %s", type(e).__name__, e)
        return []


# --- a run that crashes before its summary: a Prefect automation --------------------------

def failure_automation(block_document_id: str, flow_name: str = "nightly-sync") -> dict:
    """An automation (as `prefect automation create --from-json` takes it) that sends the
    block's notification when a run of the flow ends Failed or Crashed."""
    from tpbis.notify.automations import notify_on_states
    return notify_on_states(block_document_id, flow_name, name=f"{flow_name}-failed",
                            description=f"Notify when a {flow_name} flow run fails or crashes",
                            states=["Failed", "Crashed"])
