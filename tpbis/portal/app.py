"""The portal's routes (contract section 6). `create_app(...)` returns a FastAPI app;
`tpbis dashboard` serves it with uvicorn.

Every route but /healthz, /login and /static needs a session; pages show the user's scope
only (the scope comes from the users file at each request, not from the cookie, so a removed
user or a changed scope takes effect at once). Another kabupaten's village answers 404,
exactly like a village that does not exist.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from tpbis.portal import auth, pages
from tpbis.portal.charts import ChartCache
from tpbis.portal.downloads import Downloads, parse_quarter
from tpbis.portal.snapshot import Warehouse
from tpbis.portal.users import UsersFile, verify_password

HERE = Path(__file__).parent
KODE_DESA_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
log = logging.getLogger("tpbis.portal")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                               "form-action 'self'; frame-ancestors 'none'",
}


class NotFound(Exception):
    pass


@dataclass
class Portal:
    warehouse: Warehouse
    users: UsersFile
    downloads: Downloads
    trusted_proxies: frozenset[str] = frozenset()
    limiter: auth.LoginLimiter = field(default_factory=auth.LoginLimiter)
    charts: ChartCache = field(default_factory=ChartCache)


def trusted_proxies_from_env() -> frozenset[str]:
    from tpbis.settings import Settings
    return Settings.from_env().trusted_proxies


def create_app(warehouse: Path, users: Path | None = None, cache: Path | None = None,
               trusted_proxies: frozenset[str] | None = None) -> FastAPI:
    wh = Warehouse(warehouse)
    portal = Portal(wh, UsersFile(users), Downloads(wh, cache),
                    trusted_proxies_from_env() if trusted_proxies is None else trusted_proxies)
    app = FastAPI(title="Portal TPBIS", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.portal = portal
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["angka"] = pages.number
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - start) * 1000:.1f}"
        for k, v in SECURITY_HEADERS.items():
            response.headers.setdefault(k, v)
        if not request.url.path.startswith("/static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    def current_user(request: Request):
        payload = auth.unsign(portal.users.secret(), request.cookies.get(auth.SESSION_COOKIE))
        if not payload:
            return None, None
        user = portal.users.get(payload.get("u", ""))
        if user is None or not auth.same_token(user.fingerprint, payload.get("fp")):
            return None, None
        return user, payload

    def render(request: Request, name: str, user, session, status: int = 200, **context) -> HTMLResponse:
        context.update(user=user, csrf=session["csrf"] if session else None,
                       sync=pages.sync_status(wh, user) if user else None,
                       scope_title=scope_title(user) if user else "")
        return templates.TemplateResponse(request, name, context, status_code=status)

    def scope_title(user) -> str:
        if user.scope == "provinsi":
            return "Provinsi"
        name = wh.rows("kabupaten_name", prefix=user.prefix)
        return f"{name[0]['kabupaten'] or ''} ({user.scope})" if name else user.scope

    def login_page(request: Request, status: int = 200, message: str | None = None) -> HTMLResponse:
        # keep a still-valid token: another tab, or the browser's own /favicon.ico request
        # (redirected here), must not invalidate the form already on screen
        form = auth.unsign(portal.users.secret(), request.cookies.get(auth.LOGIN_CSRF_COOKIE)) \
            or auth.login_form_payload()
        response = templates.TemplateResponse(request, "login.html", {"csrf": form["csrf"], "message": message,
                                                                       "user": None}, status_code=status)
        _, https = auth.client_info(request, portal.trusted_proxies)
        response.set_cookie(auth.LOGIN_CSRF_COOKIE, auth.sign(portal.users.secret(), form),
                            max_age=auth.LOGIN_FORM_MINUTES * 60, httponly=True, samesite="lax", secure=https)
        return response

    def guarded(handler):
        """Pages that need a session: redirect to /login without one; 404 for NotFound."""
        async def wrapper(request: Request):
            user, session = current_user(request)
            if user is None:
                return RedirectResponse("/login", status_code=303)
            try:
                return await run_sync(handler, request, user, session)
            except NotFound:
                return render(request, "not_found.html", user, session, status=404)
        wrapper.__name__ = handler.__name__
        return wrapper

    def with_quarter(title: str, from_query: bool = True):
        """Pages of one quarter: the one asked for (`?kuartal=`, when `from_query`) or the
        scope's latest complete one; a scope with no data at all gets the empty page."""
        def decorate(handler):
            def page(request: Request, user, session):
                asked = request.query_params.get("kuartal") if from_query else None
                quarter, labels = pages.choose_quarter(wh, user, asked, parse_quarter)
                if quarter is None:
                    return render(request, "empty.html", user, session, title=title)
                return handler(request, user, session, quarter, labels)
            page.__name__ = handler.__name__
            return page
        return decorate

    from starlette.concurrency import run_in_threadpool as run_sync_pool

    async def run_sync(handler, *args):
        return await run_sync_pool(handler, *args)

    @app.get("/healthz", response_class=PlainTextResponse)
    def healthz() -> str:
        return "ok"

    @app.get("/login")
    def login_get(request: Request):
        user, _ = current_user(request)
        return RedirectResponse("/", status_code=303) if user else login_page(request)

    @app.post("/login")
    async def login_post(request: Request):
        form = await request.form()
        cookie = auth.unsign(portal.users.secret(), request.cookies.get(auth.LOGIN_CSRF_COOKIE))
        if not cookie or not auth.same_token(cookie.get("csrf"), form.get("csrf_token")):
            return PlainTextResponse("Permintaan ditolak: token formulir tidak sah. Muat ulang halaman masuk.", 403)
        name, password = str(form.get("username", "")).strip().lower(), str(form.get("password", ""))
        address, https = auth.client_info(request, portal.trusted_proxies)
        wait = portal.limiter.blocked_for(name, address)
        if wait > 0:
            log.warning("login refused (rate limit) for user %r from %s", name, address)
            return login_page(request, 429, f"Terlalu banyak percobaan masuk. Coba lagi dalam {int(wait // 60) + 1} menit.")
        user = portal.users.get(name)
        ok = await run_sync_pool(verify_password, user, password)
        if not ok:
            portal.limiter.failed(name, address)
            log.warning("failed login for user %r from %s", name, address)
            return login_page(request, 401, "Nama pengguna atau kata sandi salah.")
        portal.limiter.succeeded(name)
        log.info("login: %r from %s", name, address)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(auth.SESSION_COOKIE, auth.sign(portal.users.secret(),
                                                           auth.session_payload(user.name, user.fingerprint)),
                            max_age=auth.SESSION_HOURS * 3600, httponly=True, samesite="lax", secure=https)
        response.delete_cookie(auth.LOGIN_CSRF_COOKIE)
        return response

    @app.post("/logout")
    async def logout(request: Request):
        user, session = current_user(request)
        form = await request.form()
        if user is None:
            return RedirectResponse("/login", status_code=303)
        if not auth.same_token(session.get("csrf"), form.get("csrf_token")):
            return PlainTextResponse("Permintaan ditolak: token formulir tidak sah.", 403)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(auth.SESSION_COOKIE)
        return response

    @app.get("/")
    @guarded
    @with_quarter("Ringkasan")
    def overview(request: Request, user, session, quarter, labels):
        data = pages.overview(wh, portal.charts, user, quarter, wh.snapshot_id())
        return render(request, "overview.html", user, session, title="Ringkasan", quarters=labels, **data)

    @app.get("/desa")
    @guarded
    @with_quarter("Desa")
    def village_list(request: Request, user, session, quarter, labels):
        q = request.query_params
        page = int(q.get("halaman")) if (q.get("halaman") or "").isdigit() else 1
        data = pages.village_list(wh, user, quarter, q.get("cari", ""), q.get("urut", "kode"),
                                  q.get("arah", "naik"), page)
        return render(request, "villages.html", user, session, title="Desa", quarters=labels, **data)

    @app.get("/desa/{kode_desa}")
    @guarded
    def village(request: Request, user, session):
        kode_desa = request.path_params["kode_desa"]
        data = pages.village(wh, portal.charts, user, kode_desa, wh.snapshot_id()) \
            if KODE_DESA_RE.match(kode_desa) else None
        if data is None:
            raise NotFound()
        return render(request, "village.html", user, session, title=f"Desa {data['v']['desa']}", **data)

    @app.get("/kualitas")
    @guarded
    @with_quarter("Kualitas")
    def quality(request: Request, user, session, quarter, labels):
        return render(request, "quality.html", user, session, title="Kualitas", quarters=labels,
                      **pages.quality(wh, user, quarter))

    @app.get("/unduh/{quarter}")
    @guarded
    def downloads(request: Request, user, session):
        quarter = parse_quarter(request.path_params["quarter"])
        if quarter is None:
            raise NotFound()
        files = portal.downloads.files(quarter, user.scope)
        return render(request, "downloads.html", user, session, title="Unduh", quarter=str(quarter),
                      quarter_title=quarter.title, files=[(f.name, f.stat().st_size) for f in files])

    @app.get("/unduh/{quarter}/{name}")
    @guarded
    def download_file(request: Request, user, session) -> Response:
        quarter = parse_quarter(request.path_params["quarter"])
        path = portal.downloads.file(quarter, user.scope, request.path_params["name"]) if quarter else None
        if path is None:
            raise NotFound()
        return FileResponse(path, filename=path.name)

    @app.get("/unduh")
    @guarded
    @with_quarter("Unduh", from_query=False)
    def downloads_default(request: Request, user, session, quarter, labels):
        return RedirectResponse(f"/unduh/{quarter}", status_code=303)

    @app.exception_handler(404)
    async def not_found(request: Request, exc):
        user, session = current_user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        return render(request, "not_found.html", user, session, status=404, title="Tidak ditemukan")

    def prewarm() -> None:
        """Render the overview of each user's scope for its default quarter (charts cached)."""
        for user in {u.scope: u for u in portal.users.list()}.values():
            quarter, _ = pages.choose_quarter(wh, user, None, parse_quarter)
            if quarter is not None:
                pages.overview(wh, portal.charts, user, quarter, wh.snapshot_id())

    app.state.prewarm = prewarm
    return app
