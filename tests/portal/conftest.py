"""Fixtures of the portal tests: one test warehouse per session (two kabupaten), a users
file with a province user and one user per kabupaten, and logged-in TestClients."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.portal import portal_warehouse

PASSWORDS = {"prov": "rahasia-provinsi-1", "bengkalis": "rahasia-bengkalis-1", "dumai": "rahasia-dumai-12"}
SCOPES = {"prov": "provinsi", "bengkalis": "14.03", "dumai": "14.72"}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def portal_files(tmp_path_factory) -> dict[str, Path]:
    from tpbis.portal.users import UsersFile
    root = tmp_path_factory.mktemp("portal")
    warehouse = portal_warehouse.build(root / "tpbis.duckdb")
    users = UsersFile(root / "users.json")
    for name, scope in SCOPES.items():
        users.add(name, scope, PASSWORDS[name])
    return {"warehouse": warehouse, "users": users.path, "cache": root / "cache", "root": root}


def make_app(files: dict[str, Path], **kwargs):
    from tpbis.portal.app import create_app
    return create_app(files["warehouse"], files["users"], files["cache"], **kwargs)


def csrf_of(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF field in the form"
    return m.group(1)


def login(client: TestClient, name: str, password: str | None = None):
    page = client.get("/login")
    return client.post("/login", data={"username": name, "password": PASSWORDS[name] if password is None else password,
                                       "csrf_token": csrf_of(page.text)}, follow_redirects=False)


@pytest.fixture(scope="session")
def portal_app(portal_files):
    return make_app(portal_files, trusted_proxies=frozenset())


@pytest.fixture(scope="session")
def clients(portal_app):
    """A signed-in TestClient per user, shared by the read-only tests of the session."""
    out = {}
    for name in SCOPES:
        client = TestClient(portal_app)
        assert login(client, name).status_code == 303
        out[name] = client
    yield out
    for client in out.values():
        client.close()
