"""Alerts: which runs and villages alert (a hand-made warehouse), the webhook against a tiny
HTTP server on 127.0.0.1, a Prefect notification block, and real syncs that fail nights in a row."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import duckdb
import pytest

from tpbis.notify import alerts
from tpbis.notify.alerts import Alert, AlertConfig
from tpbis.warehouse.store import apply_schema
from tests.helpers import Webhook

T0 = datetime(2026, 11, 1, 18, 0, tzinfo=timezone.utc)


@pytest.fixture
def hook():
    with Webhook("/hooks/tpbis") as h:
        yield h


def summary(run_id="r5", status="partial", failed=1) -> dict:
    return {"run_id": run_id, "status": status, "villages_synced": 3 - failed, "villages_failed": failed}


# --- config --------------------------------------------------------------------------------

def test_config_from_env():
    assert AlertConfig.from_env({}) == AlertConfig(3, None, None)
    c = AlertConfig.from_env({"TPBIS_ALERT_FAILED_NIGHTS": "5", "TPBIS_ALERT_WEBHOOK_URL": "http://127.0.0.1:1/x",
                              "TPBIS_ALERT_BLOCK": "custom-webhook/tpbis-alerts"})
    assert (c.failed_nights, c.webhook_url, c.block) == (5, "http://127.0.0.1:1/x", "custom-webhook/tpbis-alerts")
    assert AlertConfig.from_env({"TPBIS_ALERT_FAILED_NIGHTS": "0"}).failed_nights == 1


# --- which villages alert ------------------------------------------------------------------

def history() -> duckdb.DuckDBPyConnection:
    """Five runs. A: failed r2..r5 with skipped-free history (4 in a row). B: failed r4, r5
    (2 in a row, after a success). C: failed r1..r3 then dropped from the registry (not in
    r5). D: failed r3, skipped r4 (a skip is no attempt), failed r5 -> 2 in a row. E: fine."""
    con = duckdb.connect()
    apply_schema(con)
    con.executemany("insert into core.villages (kode_desa, desa) values (?, ?)",
                    [(k, f"Desa {k}") for k in "ABCDE"])
    for i in range(1, 6):
        con.execute("insert into core.runs (run_id, started_at, status, full_sweep) values (?, ?, 'partial', false)",
                    [f"r{i}", T0 + timedelta(days=i)])
    status = {"A": "lffff", "B": "lllff", "C": "fff--", "D": "llfsf", "E": "lluuu"}
    codes = {"l": "loaded", "f": "failed", "s": "skipped", "u": "unchanged"}
    rows = []
    for kode, seq in status.items():
        for i, ch in enumerate(seq, start=1):
            if ch != "-":
                reason = f"reason-r{i}" if ch == "f" else None
                rows.append((f"r{i}", kode, codes[ch], reason, f"message r{i}"))
    con.executemany("insert into core.village_runs (run_id, kode_desa, status, reason, message) values (?, ?, ?, ?, ?)",
                    rows)
    return con


def test_failing_villages_counts_consecutive_attempts():
    con = history()
    three = alerts.failing_villages(con, "r5", 3)
    assert list(three["kode_desa"]) == ["A"]
    a = three.iloc[0]
    assert a["failed_nights"] == 4 and a["reason"] == "reason-r5" and a["desa"] == "Desa A"
    assert a["failing_since"] == T0 + timedelta(days=2)
    two = alerts.failing_villages(con, "r5", 2)
    assert list(two["kode_desa"]) == ["A", "B", "D"]                  # C is no longer tried: silent
    assert dict(zip(two["kode_desa"], two["failed_nights"])) == {"A": 4, "B": 2, "D": 2}
    assert alerts.failing_villages(con, "r5", 5).empty


def test_run_failed_means_every_sheet_read_failed_and_more_than_one():
    assert alerts.run_failed(summary(status="failed", failed=3))
    assert not alerts.run_failed(summary(status="failed", failed=1))   # quiet night, one bad sheet
    assert not alerts.run_failed(summary(status="partial", failed=2))


def test_build_alerts_for_a_failed_run_and_failing_villages():
    con = history()
    out = alerts.build_alerts(summary(status="failed", failed=3), alerts.failing_villages(con, "r5", 4))
    assert [a.kind for a in out] == ["run_failed", "village_failing"]
    assert out[1].kode_desa == "A" and out[1].failed_nights == 4
    assert "A Desa A: failed 4 nights in a row [reason-r5] message r5" == out[1].text
    assert alerts.build_alerts(summary(), alerts.failing_villages(con, "r5", 5)) == []


def test_message_and_payload():
    out = [Alert("run_failed", "Sync r5 failed."), Alert("village_failing", "A: failed", "A", 3, "not_found"),
           Alert("village_failing", "B: failed", "B", 4, "not_found")]
    subject, body = alerts.message(summary(), out)
    assert subject == "TPBIS nightly sync: sync failed, 2 villages failing"
    assert body.splitlines()[:3] == ["Sync r5 failed.", "A: failed", "B: failed"]
    p = alerts.payload(summary(), out)
    assert p["text"].startswith(subject) and p["run_id"] == "r5"
    assert [a["kode_desa"] for a in p["alerts"]] == [None, "A", "B"]


# --- sending -------------------------------------------------------------------------------

def test_webhook_gets_one_json_post(hook):
    out = [Alert("village_failing", "A: failed", "A", 3, "not_found")]
    sent = alerts.send(summary(), out, AlertConfig(webhook_url=hook.url))
    assert sent == ["webhook"]
    assert len(hook.bodies) == 1 and hook.bodies[0]["path"] == "/hooks/tpbis"
    assert hook.bodies[0]["json"]["alerts"][0]["kode_desa"] == "A"
    assert alerts.send(summary(), [], AlertConfig(webhook_url=hook.url)) == []     # nothing to say: no post
    assert len(hook.bodies) == 1


def test_webhook_errors_are_logged_without_the_url(hook, caplog):
    hook.status = 500
    secret_url = hook.url + "/T0KEN-abc123"
    out = [Alert("run_failed", "Sync failed.")]
    with caplog.at_level("INFO", logger="tpbis.notify.alerts"):
        assert alerts.send(summary(), out, AlertConfig(webhook_url=secret_url)) == []
        closed = Webhook("/hooks/tpbis")
        closed.close()                                            # nothing listens there any more
        assert alerts.send(summary(), out, AlertConfig(webhook_url=closed.url + "/T0KEN-abc123")) == []
    assert "Alert webhook failed: HTTP 500" in caplog.text
    assert "Alert webhook failed: ConnectionError" in caplog.text
    assert "T0KEN" not in caplog.text and "127.0.0.1" not in caplog.text


def test_run_never_raises(caplog):
    broken = duckdb.connect()                                     # no schema: the query fails
    with caplog.at_level("WARNING", logger="tpbis.notify.alerts"):
        assert alerts.run(broken, summary(), config=AlertConfig(webhook_url="http://127.0.0.1:9/x")) == []
    assert "Alerts not computed" in caplog.text


@pytest.mark.usefixtures("prefect_harness")
def test_prefect_notification_block(hook):
    from prefect.blocks.notifications import CustomWebhookNotificationBlock
    CustomWebhookNotificationBlock(name="tpbis", url=hook.url,
                                   json_data={"text": "{{subject}}: {{body}}"}).save("tpbis-alerts-test", overwrite=True)
    out = [Alert("village_failing", "A Desa A: failed 3 nights in a row", "A", 3, "not_found")]
    assert alerts.send(summary(), out, AlertConfig(block="custom-webhook/tpbis-alerts-test")) == ["block"]
    assert len(hook.bodies) == 1
    assert hook.bodies[0]["json"]["text"].startswith("TPBIS nightly sync: 1 village failing: A Desa A: failed 3")
    # a block that does not exist is logged, not raised
    assert alerts.send(summary(), out, AlertConfig(block="custom-webhook/no-such-block")) == []


def test_failure_automation_is_valid_for_prefect():
    from prefect.events.schemas.automations import AutomationCore
    spec = alerts.failure_automation("00000000-0000-0000-0000-000000000001")
    automation = AutomationCore.model_validate(spec)
    assert automation.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}
    assert automation.actions[0].type == "send-notification"


# --- real syncs, night after night ---------------------------------------------------------

@pytest.mark.usefixtures("prefect_harness")
def test_a_village_failing_two_nights_in_a_row_alerts_once_it_is_two(sync_env, sheets_server, hook, monkeypatch):
    from flows.nightly_sync import nightly_sync
    from tpbis.registry import read_registry
    from tpbis.settings import CONFIG_DIR
    registry = read_registry(CONFIG_DIR / "villages.csv")
    kode, key = registry.iloc[3]["kode_desa"], registry.iloc[3]["spreadsheet_key"]
    monkeypatch.setenv("TPBIS_ALERT_WEBHOOK_URL", hook.url)
    monkeypatch.setenv("TPBIS_ALERT_FAILED_NIGHTS", "2")
    sheets_server.faults.status(key, 404)
    first = nightly_sync()
    assert first["villages_failed"] == 1 and hook.bodies == []           # one bad night: no alert
    second = nightly_sync()
    assert second["villages_failed"] == 1 and second["villages_skipped"] == 16
    assert len(hook.bodies) == 1
    sent = hook.bodies[0]["json"]
    assert sent["run_id"] == second["run_id"]
    assert [(a["kind"], a["kode_desa"], a["failed_nights"], a["reason"]) for a in sent["alerts"]] == \
        [("village_failing", kode, 2, "not_found")]
    sheets_server.faults.clear()                                        # fixed: the streak ends
    third = nightly_sync()
    assert third["villages_failed"] == 0 and len(hook.bodies) == 1
