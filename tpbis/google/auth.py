"""Credentials for the Sheets and Drive APIs: none, a key file, or application default
credentials (ADC), all used the same way (gspread over HTTP, a `Bearer` token per request).

`TPBIS_AUTH` chooses: `auto` (default) uses no credentials when both APIs are on loopback,
else the key file named by `TPBIS_CREDENTIALS` / `GOOGLE_APPLICATION_CREDENTIALS`, else ADC;
`key`, `adc` and `none` force one (e.g. `adc` against a local server, to test the token path).

ADC is google-auth's `google.auth.default`: workload identity on Google Cloud (the VM's or
the pod's service account), `gcloud auth application-default login` (a person's account, or
with `--impersonate-service-account=SA` a service account impersonated without any key),
or workload identity federation from another cloud. Organisations that forbid downloading
service-account keys use one of these.
"""
from __future__ import annotations

from typing import Any

from tpbis.errors import UsageError

AUTH_MODES = ("auto", "key", "adc", "none")


class CredentialsError(UsageError, ValueError):
    """No usable credentials: exit 2, with what to set."""


def resolve_mode(mode: str, *, local: bool, key_file: str | None) -> str:
    """The mode `auto` stands for here: none on loopback, key when a file is named, else adc."""
    if mode not in AUTH_MODES:
        raise CredentialsError(f"TPBIS_AUTH={mode!r} is not one of {', '.join(AUTH_MODES)}")
    if mode != "auto":
        return mode
    if local:
        return "none"
    return "key" if key_file else "adc"


def credentials(mode: str, *, local: bool, key_file: str | None, scopes: list[str], where: str) -> Any:
    """google-auth credentials for `mode` (see the module docstring); `where` names the APIs
    in error messages."""
    mode = resolve_mode(mode, local=local, key_file=key_file)
    if mode == "none":
        from google.auth.credentials import AnonymousCredentials
        return AnonymousCredentials()
    if mode == "key":
        return _from_file(key_file, scopes, where)
    return _default(scopes, where)


def _from_file(key_file: str | None, scopes: list[str], where: str) -> Any:
    """A service-account key, or any other credentials file google-auth knows (an impersonated
    service account, workload identity federation, an authorized user)."""
    if not key_file:
        raise CredentialsError(f"a service-account key file is needed for {where} "
                               "(set TPBIS_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS, or TPBIS_AUTH=adc)")
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    try:
        creds, _ = google.auth.load_credentials_from_file(key_file, scopes=scopes)
    except DefaultCredentialsError as e:
        raise CredentialsError(f"cannot use the credentials file {key_file}: {e}") from None
    return creds


def _default(scopes: list[str], where: str) -> Any:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    try:
        creds, _ = google.auth.default(scopes=scopes)
    except DefaultCredentialsError:
        raise CredentialsError(
            f"no Google credentials for {where}: set TPBIS_CREDENTIALS to a service-account key file, "
            "or set up application default credentials (gcloud auth application-default login "
            "[--impersonate-service-account=EMAIL], or run on Google Cloud with a service account)") from None
    return creds


def account_email(creds: Any) -> str | None:
    """The e-mail of the service account behind `creds`, when there is one to name."""
    for attr in ("service_account_email", "signer_email"):
        email = getattr(creds, attr, None)
        if isinstance(email, str) and "@" in email:
            return email
    target = getattr(creds, "_target_principal", None)             # impersonated credentials
    return target if isinstance(target, str) and "@" in target else None
