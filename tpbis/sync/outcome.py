"""How one nightly sync's outcome is told to Prefect: WARNING lines, events, the final state.

The final state of a run (docs/operations.md, "States"):

  every village synced or skipped      Completed   (name "Completed")
  some villages failed                 Completed   named "Partial", message "partial: N villages failed"
  it read more than one sheet and
  every one failed                     Failed      message "failed: N villages failed, none synced"

Why a Completed state named Partial rather than Failed: the data of every village that could
be synced is loaded and published, and the run's result (the summary) stays readable like
any completed run's; a Failed run would read as "nothing happened" and would be retried by
anyone who retries failed runs. The name is what Prefect puts in the state-change event
(`prefect.flow-run.Partial`), so an automation can match partial runs exactly, and the UI
shows "Partial" instead of a plain Completed. A run that read more than one sheet and
failed on every one is broken (quota, credentials, Google down; the same rule as
tpbis.alerts.run_failed): that one is Failed, so failure automations fire. A quiet night
whose only sheet read failed (the rest skipped as unchanged) is Partial.

Events, for automations and the event feed (emitted with prefect.events.emit_event, related
to the flow run automatically):

  tpbis.village.failed   one per failed village; resource `tpbis.village.<kode_desa>`,
                         payload {kode_desa, desa, reason, message, run_id}
  tpbis.sync.finished    one per run; resource `tpbis.sync.<run_id>`, payload = the counts
                         and status of the summary
"""
from __future__ import annotations

import logging

from prefect.states import Completed, Failed, State

PARTIAL = "Partial"
COUNTS = ("villages_synced", "villages_loaded", "villages_unchanged", "villages_skipped",
          "villages_failed", "rows_loaded", "rows_rejected", "sheets_reads", "http_429", "seconds")

log = logging.getLogger(__name__)


def run_failed(summary: dict) -> bool:
    """The sync itself looks broken: it read more than one sheet and every one failed."""
    return summary["status"] == "failed" and summary["villages_failed"] > 1


def state_message(summary: dict) -> str | None:
    n = summary["villages_failed"]
    if run_failed(summary):
        return f"failed: {n} villages failed, none synced"
    if n:
        return f"partial: {n} villages failed"
    return None


def final_state(summary: dict) -> State:
    """The state the flow returns (its data is the summary, so callers still get it)."""
    message = state_message(summary)
    if run_failed(summary):
        return Failed(message=message, data=summary)
    if summary["villages_failed"]:
        return Completed(name=PARTIAL, message=message, data=summary)
    return Completed(data=summary)


def warn_failures(summary: dict, logger=None) -> None:
    """One WARNING line per failed village: kode_desa, reason, message."""
    logger = logger or log
    for f in summary["failed"]:
        logger.warning("Village %s %s failed [%s]: %s", f["kode_desa"], f.get("desa") or "",
                       f["reason"], f["message"])


def village_resource(kode_desa: str) -> dict:
    return {"prefect.resource.id": f"tpbis.village.{kode_desa}", "prefect.resource.name": kode_desa}


def emit_events(summary: dict, logger=None) -> int:
    """Emit tpbis.village.failed per failed village and tpbis.sync.finished; returns how many.
    Never raises: an event problem must not fail a sync whose data is loaded."""
    from prefect.events import emit_event
    logger = logger or log
    sent = 0
    try:
        for f in summary["failed"]:
            payload = {"kode_desa": f["kode_desa"], "desa": f.get("desa"), "reason": f["reason"],
                       "message": f["message"], "run_id": summary["run_id"]}
            if emit_event("tpbis.village.failed", resource=village_resource(f["kode_desa"]), payload=payload):
                sent += 1
        payload = {"run_id": summary["run_id"], "status": summary["status"],
                   **{k: summary[k] for k in COUNTS},
                   "failed": [f["kode_desa"] for f in summary["failed"]]}
        resource = {"prefect.resource.id": f"tpbis.sync.{summary['run_id']}",
                    "prefect.resource.name": "nightly-sync", "tpbis.status": summary["status"]}
        if emit_event("tpbis.sync.finished", resource=resource, payload=payload):
            sent += 1
    except Exception as e:
        logger.warning("Events not emitted: %s: %s", type(e).__name__, e)
    return sent


def partial_automation(block_document_id: str, flow_name: str = "nightly-sync") -> dict:
    """An automation (`prefect automation create --from-json`) that notifies through a block
    when a run of the flow ends Partial (some villages failed) or Failed."""
    from tpbis.notify.automations import notify_on_states
    return notify_on_states(block_document_id, flow_name, name=f"{flow_name}-partial-or-failed",
                            description=f"Notify when a {flow_name} run ends with villages failed",
                            states=[PARTIAL, "Failed", "Crashed"])
