"""Drive v3 files.list: the query language subset the sync uses, and paging.

The sync asks Drive which spreadsheets changed since its last run (`modifiedTime > '...'`)
before spending Sheets read quota, so the filter and the paging must behave like Drive's.
Supported terms, joined with `and`: mimeType, name (=, !=, contains), trashed,
modifiedTime / createdTime (=, !=, <, <=, >, >=), and `'ID' in parents` (there are no
folders here, so it matches every file).
"""

from __future__ import annotations

import base64
import re
from typing import Callable

from tpbis.local_sheets.server.values import ApiError
from tpbis.local_sheets.workbook_files import parse_rfc3339

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000

_STRING = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_TERM = re.compile(
    rf"\s*(?:(?P<field>\w+)\s*(?P<op>!=|<=|>=|=|<|>|\bcontains\b)\s*"
    rf"(?P<value>{_STRING}|true|false)|(?P<parent>{_STRING})\s+in\s+parents)\s*",
    re.IGNORECASE)
_AND = re.compile(r"and\b\s*", re.IGNORECASE)
_OPS: dict[str, Callable] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}

Predicate = Callable[[dict], bool]


def invalid_query(q: str) -> ApiError:
    return ApiError(400, f"Invalid Value: q ({q})", "INVALID_ARGUMENT")


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _term(field: str, op: str, raw: str, q: str) -> Predicate:
    op = op.lower()
    if field == "trashed":
        if op not in ("=", "!=") or raw.lower() not in ("true", "false"):
            raise invalid_query(q)
        wanted = (raw.lower() == "true") == (op == "=")
        return lambda f: wanted is False  # nothing is ever in the trash here
    if raw[0] not in "'\"":
        raise invalid_query(q)
    value = _unquote(raw)
    if field in ("mimeType", "name"):
        if op == "contains" and field == "name":
            return lambda f: value.lower() in f[field].lower()
        if op not in ("=", "!="):
            raise invalid_query(q)
        return lambda f: _OPS[op](f[field], value)
    if field in ("modifiedTime", "createdTime"):
        try:
            moment = parse_rfc3339(value)
        except ValueError:
            raise invalid_query(q) from None
        if op not in _OPS:
            raise invalid_query(q)
        return lambda f: _OPS[op](parse_rfc3339(f[field]), moment)
    raise invalid_query(q)


def parse_query(q: str | None) -> Predicate:
    """A predicate over file dicts for a Drive `q`; 400 Invalid Value for anything else."""
    terms: list[Predicate] = []
    text = (q or "").strip()
    pos = 0
    while pos < len(text):
        match = _TERM.match(text, pos)
        if not match:
            raise invalid_query(q)
        if match.group("field"):
            terms.append(_term(match.group("field"), match.group("op"),
                               match.group("value"), q))
        pos = match.end()
        if pos < len(text):
            joiner = _AND.match(text, pos)
            if not joiner:
                raise invalid_query(q)
            pos = joiner.end()
            if pos >= len(text):
                raise invalid_query(q)
    return lambda f: all(term(f) for term in terms)


def _token(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def _after(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, f"Invalid Value: pageToken ({token})", "INVALID_ARGUMENT") from None


def list_files(files: list[dict], q: str | None, page_size: str | None,
               page_token: str | None) -> dict:
    """One page of files.list: files matching q, sorted by id, after the page token.

    The token names the last id served, so paging stays right when files come and go
    between pages.
    """
    keep = parse_query(q)
    try:
        size = int(page_size) if page_size not in (None, "") else DEFAULT_PAGE_SIZE
    except ValueError:
        raise ApiError(400, f"Invalid Value: pageSize ({page_size})") from None
    if size < 1:
        raise ApiError(400, f"Invalid Value: pageSize ({page_size})")
    size = min(size, MAX_PAGE_SIZE)
    after = _after(page_token) if page_token else None
    chosen = sorted((f for f in files if (after is None or f["id"] > after) and keep(f)),
                    key=lambda f: f["id"])
    page = chosen[:size]
    body: dict = {"kind": "drive#fileList", "incompleteSearch": False, "files": page}
    if len(chosen) > size:
        body["nextPageToken"] = _token(page[-1]["id"])
    return body
