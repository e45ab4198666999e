"""Keyless authentication: with no key file configured, the sync uses Google's application
default credentials (here: a `gcloud auth application-default login` file whose token_uri is
a fake token endpoint on 127.0.0.1), through the same gspread client, and every Sheets and
Drive request carries that token."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import requests
from typer.testing import CliRunner

from flows.nightly_sync import nightly_sync
from tpbis.cli.main import app
from tests.helpers import LocalPeer, QuietHandler, token_answer

FAKE_TOKEN = "ya29.adc-FAKE-token-for-tests"


class Local(LocalPeer):
    """A tiny HTTP server on 127.0.0.1: the OAuth token endpoint (POST /token), and a
    recording pass-through to the local Sheets server for everything else."""

    def __init__(self, upstream: str | None = None):
        self.token_posts: list[dict] = []
        self.authorizations: list[str | None] = []
        me = self

        class Handler(QuietHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self, method: str):
                raw = self.body()
                if self.path == "/token":
                    me.token_posts.append(parse_qs(raw.decode()))
                    return self.reply(200, token_answer(FAKE_TOKEN))
                me.authorizations.append(self.headers.get("Authorization"))
                r = requests.request(method, upstream + self.path, data=raw or None, timeout=30,
                                     headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
                self.reply(r.status_code, r.content, r.headers.get("Content-Type", "application/json"))

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

        super().__init__(Handler)


@pytest.fixture
def local(sheets_server):
    with Local(sheets_server.url) as server:
        yield server


@pytest.fixture
def adc_env(sync_env, local, tmp_path, monkeypatch):
    """Keyless credentials the way workload identity federation leaves them: an
    `external_account` file (what `gcloud iam workload-identity-pools create-cred-config`
    writes) found as application default credentials, exchanging the platform's OIDC token at
    a token endpoint (here the fake one on 127.0.0.1); no service-account key anywhere."""
    oidc = tmp_path / "oidc-token"
    oidc.write_text("eyJhbGciOi.platform-issued-oidc-token.sig")
    adc = tmp_path / "gcloud" / "application_default_credentials.json"
    adc.parent.mkdir()
    adc.write_text(json.dumps({
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/tpbis/providers/riau",
        "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
        "token_url": local.url + "/token",
        "credential_source": {"file": str(oidc)}}))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(adc.parent))       # where gcloud keeps ADC
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "tpbis-riau")     # else google-auth asks Resource Manager
    for name in ("TPBIS_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TPBIS_SHEETS_API_URL", local.url)
    monkeypatch.setenv("TPBIS_DRIVE_API_URL", local.url)
    monkeypatch.setenv("TPBIS_AUTH", "adc")          # credentials even though the APIs are on loopback
    return sync_env


@pytest.mark.usefixtures("prefect_harness")
def test_sync_with_application_default_credentials_sends_their_token(adc_env, local):
    summary = nightly_sync()
    assert summary["villages_failed"] == 0 and summary["villages_loaded"] == 17
    assert local.token_posts                                      # exchanged once, then reused
    assert local.token_posts[0]["grant_type"] == ["urn:ietf:params:oauth:grant-type:token-exchange"]
    assert local.token_posts[0]["subject_token"] == ["eyJhbGciOi.platform-issued-oidc-token.sig"]
    assert len(local.authorizations) >= 18                       # a Drive listing + 17 batchGets
    assert set(local.authorizations) == {f"Bearer {FAKE_TOKEN}"}


def test_without_any_credentials_for_google_the_command_says_what_to_set(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
    for name in ("TPBIS_CREDENTIALS", "GOOGLE_APPLICATION_CREDENTIALS", "TPBIS_SHEETS_API_URL",
                 "TPBIS_DRIVE_API_URL", "TPBIS_AUTH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")      # not on Google Cloud either
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    result = CliRunner().invoke(app, ["check-access"])
    assert result.exit_code == 2, result.output
    assert "application-default login" in result.output and "TPBIS_CREDENTIALS" in result.output


def test_an_unknown_auth_mode_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("TPBIS_AUTH", "oauth")
    result = CliRunner().invoke(app, ["check-access"])
    assert result.exit_code == 2 and "TPBIS_AUTH='oauth'" in result.output
