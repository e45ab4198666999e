"""Sign-in, sessions and CSRF: what a visitor without a session, with a wrong password, or
with a forged form gets; cookies flags; passwords never stored or logged in clear."""
from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.portal.conftest import PASSWORDS, csrf_of, login, make_app

PROTECTED = ["/", "/desa", "/desa/14.03.01.2001", "/kualitas", "/unduh", "/unduh/2023Q4",
             "/unduh/2023Q4/laporan-triwulan-2023Q4-kab-bengkalis.xlsx", "/tidak-ada"]


@pytest.fixture
def app(portal_files):
    """A fresh app (own rate-limit state) over the session's warehouse and users."""
    return make_app(portal_files, trusted_proxies=frozenset({"testclient"}))


@pytest.mark.parametrize("path", PROTECTED)
def test_without_a_session_every_page_redirects_to_login(portal_app, path):
    with TestClient(portal_app) as client:
        response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_healthz_needs_no_login(portal_app):
    with TestClient(portal_app) as client:
        response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


def test_wrong_password_and_unknown_user_fail(app):
    with TestClient(app) as client:
        for name, password in (("bengkalis", "salah-sekali-123"), ("tidak-ada", "apa-saja-12345")):
            response = login(client, name, password) if name in PASSWORDS else client.post(
                "/login", data={"username": name, "password": password,
                                "csrf_token": csrf_of(client.get("/login").text)})
            assert response.status_code == 401
            assert "Nama pengguna atau kata sandi salah." in response.text
            assert client.get("/", follow_redirects=False).status_code == 303


def test_login_then_logout(app):
    with TestClient(app) as client:
        response = login(client, "bengkalis")
        assert response.status_code == 303 and response.headers["location"] == "/"
        page = client.get("/")
        assert page.status_code == 200 and "Ringkasan" in page.text
        out = client.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/", follow_redirects=False).status_code == 303


def test_rate_limit_per_user_blocks_even_the_right_password(app):
    with TestClient(app) as client:
        for _ in range(5):
            assert login(client, "dumai", "salah-sekali-123").status_code == 401
        blocked = login(client, "dumai")
        assert blocked.status_code == 429
        assert "Terlalu banyak percobaan masuk" in blocked.text
        assert login(client, "prov").status_code == 303          # other users are not locked out


def test_rate_limit_per_client_address(portal_files):
    app = make_app(portal_files, trusted_proxies=frozenset({"testclient"}))
    with TestClient(app) as client:
        for i in range(20):      # a different (unknown) name each time: only the address adds up
            client.post("/login", data={"username": f"tebak{i}", "password": "x" * 12,
                                        "csrf_token": csrf_of(client.get("/login").text)})
        assert login(client, "prov").status_code == 429
        # another address (through the trusted proxy) is not blocked
        page = client.get("/login")
        other = client.post("/login", headers={"X-Forwarded-For": "10.9.9.9"},
                            data={"username": "prov", "password": PASSWORDS["prov"], "csrf_token": csrf_of(page.text)},
                            follow_redirects=False)
        assert other.status_code == 303


@pytest.mark.parametrize("token", [None, "", "palsu"])
def test_login_without_the_right_csrf_token_is_403(app, token):
    with TestClient(app) as client:
        client.get("/login")
        data = {"username": "prov", "password": PASSWORDS["prov"]}
        if token is not None:
            data["csrf_token"] = token
        response = client.post("/login", data=data, follow_redirects=False)
        assert response.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 303


def test_login_csrf_token_of_another_browser_is_403(app):
    with TestClient(app) as a, TestClient(app) as b:
        token_a = csrf_of(a.get("/login").text)
        b.get("/login")
        response = b.post("/login", data={"username": "prov", "password": PASSWORDS["prov"], "csrf_token": token_a})
        assert response.status_code == 403


@pytest.mark.parametrize("token", [None, "palsu"])
def test_logout_without_the_right_csrf_token_is_403(app, token):
    with TestClient(app) as client:
        login(client, "prov")
        response = client.post("/logout", data={} if token is None else {"csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403
        assert client.get("/", follow_redirects=False).status_code == 200      # still signed in


def test_session_cookie_flags(app):
    with TestClient(app) as client:
        response = login(client, "prov")
        cookie = response.headers["set-cookie"]
        assert "tpbis_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Max-Age=28800" in cookie and "Secure" not in cookie         # plain http here
    with TestClient(app, base_url="https://testserver") as client:      # served over https
        response = login(client, "prov")
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]
    with TestClient(app) as client:           # http from a trusted proxy that says https
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in page.headers["set-cookie"]


def test_forwarded_headers_of_an_untrusted_peer_are_ignored(portal_files):
    app = make_app(portal_files, trusted_proxies=frozenset())
    with TestClient(app) as client:
        page = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert "Secure" not in page.headers["set-cookie"]


def test_forged_or_tampered_session_cookie_is_refused(app, clients):
    value = clients["bengkalis"].cookies.get("tpbis_session")
    body, mac = value.split(".")
    with TestClient(app) as client:
        for forged in (value[:-2] + "AA", body.replace(body[5], "x" if body[5] != "x" else "y") + "." + mac, "abc.def", ""):
            client.cookies.set("tpbis_session", forged)
            assert client.get("/", follow_redirects=False).status_code == 303


def test_removed_user_loses_the_session(portal_files, tmp_path):
    import shutil
    from tpbis.portal.users import UsersFile
    users = tmp_path / "users.json"
    shutil.copy(portal_files["users"], users)
    app = make_app({**portal_files, "users": users}, trusted_proxies=frozenset())
    with TestClient(app) as client:
        assert login(client, "dumai").status_code == 303
        assert client.get("/", follow_redirects=False).status_code == 200
        UsersFile(users).remove("dumai")
        assert client.get("/", follow_redirects=False).status_code == 303


def test_passwords_are_never_stored_or_logged_in_clear(portal_files, tmp_path, caplog):
    from tpbis.portal.users import UsersFile
    users = UsersFile(tmp_path / "users.json")
    secret = "sangat-rahasia-XYZ-987"
    users.add("pemilik", "14.03", secret)
    text = users.path.read_text()
    assert secret not in text and "$argon2id$" in text
    assert oct(users.path.stat().st_mode & 0o777) == "0o600"
    app = make_app({**portal_files, "users": users.path}, trusted_proxies=frozenset())
    caplog.set_level(logging.DEBUG)
    with TestClient(app) as client:
        assert login(client, "pemilik", secret).status_code == 303
        client.cookies.clear()
        assert login(client, "pemilik", secret + "-salah").status_code == 401
    assert caplog.records, "the portal should log sign-ins"
    assert "failed login for user 'pemilik'" in caplog.text
    assert secret not in caplog.text


def test_security_headers(portal_app):
    with TestClient(portal_app) as client:
        response = client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_signed_values_do_not_survive_any_change():
    """Property: a cookie we signed verifies; changing any one character of it never does;
    another key never verifies it; an expired one never does."""
    from hypothesis import given, settings, strategies as st
    from tpbis.portal.auth import sign, unsign

    key = b"k" * 32

    @settings(max_examples=150, deadline=None)
    @given(user=st.text(min_size=1, max_size=20), position=st.integers(min_value=0), char=st.characters(codec="ascii"))
    def check(user, position, char):
        value = sign(key, {"u": user, "exp": 2_000_000_000})
        assert unsign(key, value) == {"u": user, "exp": 2_000_000_000}
        i = position % len(value)
        changed = value[:i] + char + value[i + 1:]
        if changed != value:
            assert unsign(key, changed) is None
        assert unsign(b"x" * 32, value) is None
        assert unsign(key, sign(key, {"u": user, "exp": 1})) is None

    check()
