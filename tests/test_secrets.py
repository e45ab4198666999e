"""No secret ever reaches a log or an artifact.

A real service-account key (fresh RSA key from `cryptography`, made here, never committed)
is configured for a sync; every log record (Python logging at DEBUG for prefect and tpbis,
INFO elsewhere, and the flow run's logs as stored by the Prefect API) and every artifact is
searched for the key, its id, "private_key", the OAuth access token, "Bearer" and the alert
webhook's token. A positive control proves each capture sees the run's own lines.

Two runs: as configured for the local server (loopback URLs: the key is present but unused),
and with the authenticated path forced on, so the key really signs a JWT, a local token
endpoint issues an access token and gspread sends it as a Bearer header.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

import pytest
from tests.helpers import LocalPeer, QuietHandler, token_answer

pytestmark = pytest.mark.usefixtures("prefect_harness")

ACCESS_TOKEN = "ya29.c0-FAKE-ACCESS-TOKEN-0f9e8d7c6b5a"
WEBHOOK_TOKEN = "T0KEN-b2c4d6e8f0a1"
KEY_ID = "5f1c0ffee0ddba11decaf0123456789abcdef012"


class LocalEndpoint(LocalPeer):
    """127.0.0.1 endpoint: answers an OAuth token request with ACCESS_TOKEN, records posts."""

    def __init__(self):
        self.posts = []
        me = self

        class Handler(QuietHandler):
            def do_POST(self):
                me.posts.append((self.path, self.body().decode()))
                self.reply(200, token_answer(ACCESS_TOKEN))

        super().__init__(Handler)


@pytest.fixture
def endpoint():
    with LocalEndpoint() as e:
        yield e


@pytest.fixture
def key_file(tmp_path, endpoint):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    info = {"type": "service_account", "project_id": "tpbis-test", "private_key_id": KEY_ID, "private_key": pem,
            "client_email": "tpbis-sync@tpbis-test.iam.gserviceaccount.com", "client_id": "101010101010",
            "token_uri": endpoint.url + "/token", "auth_uri": endpoint.url + "/auth"}
    path = tmp_path / "service-account.json"
    path.write_text(json.dumps(info), encoding="utf-8")
    return path, pem


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name} {text}")


@pytest.fixture
def captured():
    """Every log record: prefect and tpbis at DEBUG, everything else at INFO."""
    import prefect.main  # noqa: F401  (its first import configures logging, replacing root handlers)
    handler = Capture()
    root, saved = logging.getLogger(), {}
    for name, level in [("", logging.INFO), ("prefect", logging.DEBUG), ("tpbis", logging.DEBUG)]:
        saved[name] = logging.getLogger(name).level
        logging.getLogger(name).setLevel(level)
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def api_logs_and_artifacts(flow_run_id: str) -> tuple[str, str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (ArtifactFilter, ArtifactFilterFlowRunId, LogFilter,
                                                LogFilterFlowRunId)
    from prefect.logging.handlers import APILogHandler
    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])), limit=200)
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
        run = client.read_flow_run(flow_run_id)
    log_text = "\n".join(entry.message for entry in logs)
    art_text = "\n".join(json.dumps(a.data) if not isinstance(a.data, str) else a.data for a in arts)
    art_text += "\n" + json.dumps(run.parameters, default=str)
    return log_text, art_text


def secrets_of(pem: str) -> list[str]:
    body = [line for line in pem.splitlines() if line and "-----" not in line]
    return ["PRIVATE KEY", "private_key", KEY_ID, body[0], body[len(body) // 2], body[-1],
            "Bearer", ACCESS_TOKEN, WEBHOOK_TOKEN]


def run_sync_with_secrets(monkeypatch, sheets_server, key_file, endpoint):
    """A sync with the key configured, one village forbidden (so an alert goes out), and the
    alert webhook's URL carrying a token."""
    from flows.nightly_sync import nightly_sync
    from tpbis.registry import read_registry
    from tpbis.settings import CONFIG_DIR
    path, _ = key_file
    monkeypatch.setenv("TPBIS_CREDENTIALS", str(path))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(path))
    monkeypatch.setenv("TPBIS_ALERT_WEBHOOK_URL", f"{endpoint.url}/hooks/{WEBHOOK_TOKEN}")
    monkeypatch.setenv("TPBIS_ALERT_FAILED_NIGHTS", "1")
    registry = read_registry(CONFIG_DIR / "villages.csv")
    sheets_server.faults.status(registry.iloc[0]["spreadsheet_key"], 403)
    return nightly_sync()


def check_no_secret(summary, captured, pem):
    from tpbis.notify.run_report import summary_markdown
    from tpbis.sync.steps import format_summary
    api_logs, artifacts = api_logs_and_artifacts(summary["run_id"])
    local_logs = "\n".join(captured.lines)
    # positive controls: each capture really holds this run's lines
    first_line = format_summary(summary).splitlines()[0]
    assert first_line in local_logs and first_line in api_logs
    assert "ALERT" in local_logs and "ALERT" in api_logs
    assert "# Nightly sync: partial" in artifacts
    for name, text in [("python logging", local_logs), ("Prefect API logs", api_logs), ("artifacts", artifacts),
                       ("summary", json.dumps(summary, default=str)), ("printed summary", format_summary(summary)),
                       ("markdown", summary_markdown(summary))]:
        for secret in secrets_of(pem):
            assert secret not in text, f"{secret[:12]}... found in {name}"


def test_key_configured_for_the_local_server_never_leaks(sync_env, sheets_server, key_file, endpoint, captured,
                                                          monkeypatch):
    summary = run_sync_with_secrets(monkeypatch, sheets_server, key_file, endpoint)
    assert summary["villages_failed"] == 1 and summary["villages_loaded"] == 16
    assert [p for p, _ in endpoint.posts] == [f"/hooks/{WEBHOOK_TOKEN}"]       # alert sent; no token request
    check_no_secret(summary, captured, key_file[1])


def test_key_and_bearer_token_in_use_never_leak(sync_env, sheets_server, key_file, endpoint, captured, monkeypatch):
    """Force the authenticated path against the local servers: the key signs a JWT, the
    local token endpoint issues ACCESS_TOKEN, every Sheets/Drive request carries it."""
    from tpbis.google import client as gspread_client
    from tpbis.sync import steps as sync
    from tpbis.settings import Settings
    monkeypatch.setattr(gspread_client, "is_loopback", lambda url: False)
    monkeypatch.setattr(Settings, "is_local", property(lambda self: False))
    summary = run_sync_with_secrets(monkeypatch, sheets_server, key_file, endpoint)
    assert summary["villages_failed"] == 1 and summary["villages_loaded"] == 16
    token_requests = [body for path, body in endpoint.posts if path == "/token"]
    assert token_requests and "jwt-bearer" in parse_qs(token_requests[0])["grant_type"][0]
    conn = sync.shared_connection(Settings.from_env())
    assert conn.client.http_client.auth.token == ACCESS_TOKEN        # what went out as "Bearer ..."
    # the 403 message names the service account to share with (an address, not a secret)
    assert "tpbis-sync@tpbis-test.iam.gserviceaccount.com" in summary["failed"][0]["message"]
    check_no_secret(summary, captured, key_file[1])
