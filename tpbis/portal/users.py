"""The users file: who may sign in to the portal, with which scope, and the cookie key.

One JSON file (`--users PATH`, env TPBIS_USERS, default data/users.json), written atomically
with mode 0600. Passwords are stored only as argon2id hashes (salted, slow); the file also
holds the random key that signs session cookies, so rotating it (delete "secret") signs
everybody out.
"""
from __future__ import annotations

import json
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tpbis import files
from tpbis.errors import UsageError

SCOPE_RE = re.compile(r"^\d{2}\.\d{2}$")
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()       # argon2id, the library's (RFC 9106 low-memory) parameters
# Verified against when the user does not exist, so an unknown name costs the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    name: str
    scope: str            # 'provinsi' or a kabupaten code such as '14.03'
    password_hash: str

    @property
    def prefix(self) -> str:
        """The kode_desa prefix of the scope: '' for the province, '14.03.' for a kabupaten."""
        return "" if self.scope == "provinsi" else self.scope + "."

    @property
    def fingerprint(self) -> str:
        """Changes when the password does: sessions carry it, so a new password ends them."""
        return self.password_hash[-16:]


def users_path(path: Path | None = None) -> Path:
    from tpbis.settings import Settings
    return Path(path or Settings.from_env().users_file).resolve()


def check_scope(scope: str) -> str:
    scope = (scope or "").strip()
    if scope != "provinsi" and not SCOPE_RE.match(scope):
        raise UsageError(f"Bad scope {scope!r}: use 'provinsi' or a kabupaten code such as 14.03.")
    return scope


def check_name(name: str) -> str:
    if not NAME_RE.match(name or ""):
        raise UsageError(f"Bad user name {name!r}: 2-32 characters, lowercase letters, digits, '.', '_' or '-'.")
    return name


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UsageError(f"Password too short: use at least {MIN_PASSWORD} characters.")
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Constant work whether or not the user exists; never raises on a bad password."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class UsersFile:
    """Read (re-read when the file changes) and edit the users file."""

    def __init__(self, path: Path | None = None):
        self.path = users_path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._data: dict = {}

    def exists(self) -> bool:
        return self.path.exists()

    def _read(self) -> dict:
        if not self.path.exists():
            raise UsageError(f"No users file at {self.path}: create a user with "
                             f"`tpbis users add NAME --scope provinsi --users {self.path}`.")
        with self._lock:
            st = self.path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
            if stamp != self._stamp:
                try:
                    data = json.loads(self.path.read_text(encoding="utf-8"))
                    data["users"], data["secret"]
                except (ValueError, KeyError, TypeError):
                    raise UsageError(f"Damaged users file {self.path}: not the JSON `tpbis users` writes.")
                self._data, self._stamp = data, stamp
            return self._data

    def _write(self, data: dict) -> None:
        files.write_text(self.path, json.dumps(data, indent=2, sort_keys=True), mode=0o600)

    def secret(self) -> bytes:
        return bytes.fromhex(self._read()["secret"])

    def get(self, name: str) -> User | None:
        entry = self._read()["users"].get(name)
        return User(name, entry["scope"], entry["password_hash"]) if entry else None

    def list(self) -> list[User]:
        return [User(n, e["scope"], e["password_hash"]) for n, e in sorted(self._read()["users"].items())]

    def add(self, name: str, scope: str, password: str, *, replace: bool = False) -> User:
        check_name(name)
        scope = check_scope(scope)
        data = self._read() if self.path.exists() else {"secret": secrets.token_hex(32), "users": {}}
        if name in data["users"] and not replace:
            raise UsageError(f"User {name!r} already exists in {self.path}: `tpbis users remove {name}` first.")
        data = {**data, "users": {**data["users"], name: {
            "scope": scope, "password_hash": hash_password(password),
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}}}
        self._write(data)
        return User(name, scope, data["users"][name]["password_hash"])

    def remove(self, name: str) -> None:
        data = self._read()
        if name not in data["users"]:
            raise UsageError(f"No user {name!r} in {self.path} (see `tpbis users list`).")
        self._write({**data, "users": {k: v for k, v in data["users"].items() if k != name}})
