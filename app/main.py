"""The application factory: routers, static files, middleware and error handling."""

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Receive, Scope, Send

from app.config import Settings, get_settings
from app.db import make_engine
from app.deps import LoginRequired
from app.errors import DomainError
from app.htmx import is_htmx, render, retarget
from app.i18n import N_
from app.i18n import gettext as _
from app.idempotency import IdempotencyMiddleware
from app.middleware import (
    SECURITY_HEADERS,
    BodyLimitMiddleware,
    CSRFMiddleware,
    LocaleMiddleware,
    SecurityHeadersMiddleware,
)
from app.routers import api, pages
from app.routers.api.problems import openapi_with_problems
from app.rules import ReviewPolicy, with_policy
from app.services import mail
from app.validation import VALIDATION_FAILED, error_items

log = logging.getLogger("app")
STATIC_DIR = Path(__file__).resolve().parent / "static"

HTTP_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
PAGE_MESSAGES = {
    400: N_("リクエストの形式が正しくありません。"),
    401: N_("ログインしてください。"),
    403: N_("このページを表示する権限がありません。"),
    404: N_("お探しのページは見つかりませんでした。URL をご確認ください。"),
    405: N_("この方法ではアクセスできません。"),
    413: N_("送信された内容が大きすぎます。添付ファイルは上限以下の大きさにしてください。"),
    422: VALIDATION_FAILED,
    500: N_("システムエラーが発生しました。時間をおいて再度お試しください。"),
}
MALFORMED_JSON = N_("リクエスト本文が JSON として読み取れません。")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(
    status: int,
    detail: str,
    *,
    errors: list[dict] | None = None,
    headers: Mapping[str, str] | None = None,
    title: str | None = None,
) -> JSONResponse:
    """An RFC 9457 problem document."""
    body: dict = {
        "type": "about:blank",
        "title": title or HTTP_TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(
        body, status_code=status, headers=headers, media_type="application/problem+json"
    )


def error_page(
    request: Request, status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    """A Japanese error page, or for htmx an error message swapped into the flash area."""
    context = {"status": status, "message": message}
    if is_htmx(request):
        response = render(
            request, "partials/_error.html", context, status_code=status, headers=headers
        )
        return retarget(response, "#flash")
    return render(request, "errors/error.html", context, status_code=status, headers=headers)


def _translated(exc: DomainError) -> str:
    return _(exc.detail, **exc.params)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        detail = _translated(exc)
        if is_api(request):
            errors = None
            if exc.errors is not None:
                errors = [
                    {"loc": e["loc"], "msg": _(e["msg"], **e.get("params", {}))} for e in exc.errors
                ]
            return problem(exc.status_code, detail, errors=errors, headers=exc.headers)
        return error_page(request, exc.status_code, detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = list(exc.errors())
        if any(error.get("type") == "json_invalid" for error in errors):
            # A body that is not JSON at all is malformed (400), not an invalid value.
            if is_api(request):
                return problem(400, _(MALFORMED_JSON), errors=error_items(errors))
            return error_page(request, 400, _(PAGE_MESSAGES[400]))
        if is_api(request):
            return problem(422, _(VALIDATION_FAILED), errors=error_items(errors))
        return error_page(request, 422, _(VALIDATION_FAILED))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        if is_api(request):
            detail = exc.detail if isinstance(exc.detail, str) else None
            if exc.status_code == 404 and detail == "Not Found":
                detail = _("指定されたリソースが見つかりません。")
            return problem(status, detail or HTTP_TITLES.get(status, "Error"), headers=exc.headers)
        message = _(PAGE_MESSAGES.get(status, "エラーが発生しました。"))
        return error_page(request, status, message, exc.headers)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        url = f"/login?next={quote(target, safe='')}"
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if is_api(request):
            response: Response = problem(500, _(PAGE_MESSAGES[500]))
        else:
            from app.templating import templates

            response = templates.TemplateResponse(
                request, "errors/500.html", {"message": _(PAGE_MESSAGES[500])}, status_code=500
            )
        response.headers.update(SECURITY_HEADERS)
        return response


async def middleware_error(
    scope: Scope, receive: Receive, send: Send, status: int, message_id: str | None
) -> None:
    """The answer when a middleware refuses a request before any route sees it: a failed
    CSRF check (403), a body too large (413), a form that cannot be read (400), a reused
    or malformed idempotency key (422) or one still being answered (409)."""
    request = Request(scope, receive)
    message = _(message_id or PAGE_MESSAGES.get(status, PAGE_MESSAGES[400]))
    if is_api(request):
        response: Response = problem(status, message)
    else:
        request.state.user = None
        response = error_page(request, status, message)
    await response(scope, receive, send)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from sqlmodel import Session

    from app.services.upload_orphans import STARTUP_MIN_AGE_SECONDS, sweep

    try:
        with Session(app.state.engine) as session:
            with_policy(session, app.state.policy)
            mail.with_settings(session, app.state.settings)
            swept = sweep(
                session, settings=app.state.settings, min_age_seconds=STARTUP_MIN_AGE_SECONDS
            )
            if swept.partial or swept.orphans:
                log.warning(
                    "removed %s unfinished and %s orphaned uploads", swept.partial, swept.orphans
                )
            if app.state.settings.demo:
                from app.demo import load_demo

                if load_demo(session):
                    log.info("demo data loaded")
    except OperationalError:
        # The database is down: serve anyway, so /api/v1/health says 503 and requests get
        # the database error page, rather than the worker failing to start (the sweep of
        # leftover uploads and the demo data wait for the next start).
        log.exception("the database is unreachable at start-up")

    # Webhooks: this worker's deliverer thread sends the outbox while the app runs.
    from app.services.webhook_delivery import background_deliverer

    with background_deliverer(app.state.engine, app.state.settings):
        yield
    app.state.engine.dispose()


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """The application; tests pass their own settings and a shared engine."""
    settings = settings or get_settings()
    app = FastAPI(
        lifespan=lifespan,
        title="業務改善提案システム API",
        version="1.0",
        description="The town's staff business-improvement proposal system (API.md).",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    # The review policy the settings choose; every request's session works under it.
    app.state.policy = ReviewPolicy.from_settings(settings)
    app.state.engine = engine or make_engine(settings)

    install_error_handlers(app)
    api.include_in(app)
    app.openapi = openapi_with_problems(app)  # type: ignore[method-assign]
    pages.include_in(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Added innermost first: repeated requests are answered once, after the CSRF check;
    # the body limit wraps both, since they read the body;
    # both need the session (their error pages carry a CSRF token); the locale is set
    # before any of them answers.
    app.add_middleware(IdempotencyMiddleware, on_error=middleware_error)
    app.add_middleware(CSRFMiddleware, on_error=middleware_error)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.request_max_bytes,
        upload_max_bytes=settings.upload_max_bytes,
        on_error=middleware_error,
    )
    if not settings.secret_key:  # Settings fills it in (or refuses to start) when validated
        raise RuntimeError("the settings carry no secret key")
    app.add_middleware(
        SessionMiddleware,
        # The cookie only carries the key of a server-side session (services/sessions.py),
        # which enforces the idle and absolute lifetimes; the cookie lasts the absolute one.
        secret_key=settings.secret_key,
        session_cookie=settings.session_cookie_name,
        max_age=settings.session_absolute_lifetime_hours * 3600,
        same_site="lax",
    )
    app.add_middleware(LocaleMiddleware, default_locale=settings.default_locale)
    app.add_middleware(SecurityHeadersMiddleware, always_secure=settings.session_cookie_secure)
    return app
