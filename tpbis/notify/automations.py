"""Prefect automations that send a notification block's message when a flow run ends in
given states (what `prefect automation create --from-json` takes). The run's own code cannot
report a crash, so Prefect's server does it: tpbis.notify.alerts.failure_automation (Failed,
Crashed) and tpbis.sync.outcome.partial_automation (Partial too) are two uses of this one."""
from __future__ import annotations


def notify_on_states(block_document_id: str, flow_name: str, *, name: str, description: str,
                     states: list[str]) -> dict:
    """An automation notifying through the block when a run of `flow_name` ends in `states`."""
    return {
        "name": name,
        "description": description,
        "enabled": True,
        "trigger": {
            "type": "event",
            "posture": "Reactive",
            "match": {"prefect.resource.id": "prefect.flow-run.*"},
            "match_related": {"prefect.resource.role": "flow", "prefect.resource.name": flow_name},
            "expect": [f"prefect.flow-run.{state}" for state in states],
            "threshold": 1,
            "within": 0,
        },
        "actions": [{
            "type": "send-notification",
            "block_document_id": block_document_id,
            "subject": "TPBIS: {{ flow.name }} run {{ flow_run.name }} {{ flow_run.state.name }}",
            "body": "Flow run {{ flow_run.name }} ended {{ flow_run.state.name }}: "
                    "{{ flow_run.state.message }}",
        }],
    }
