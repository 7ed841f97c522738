"""ASGI middleware: security headers, the request locale and CSRF protection."""

from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import LOCALE_COOKIE, choose_locale, set_locale
from app.security import CSRF_FORM_FIELD, CSRF_HEADER, csrf_matches

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LocaleMiddleware:
    """Pages follow the language cookie (Japanese by default); the API also honours
    Accept-Language, since a portal may ask for English."""

    def __init__(self, app: ASGIApp, default_locale: str = "ja") -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            cookie = SimpleCookie(headers.get("cookie", ""))
            chosen = cookie[LOCALE_COOKIE].value if LOCALE_COOKIE in cookie else None
            accept = headers.get("accept-language") if _is_api(scope) else None
            locale = choose_locale(chosen, accept, self.default_locale)
            set_locale(locale)
            scope.setdefault("state", {})["locale"] = locale
        await self.app(scope, receive, send)


def _is_api(scope: Scope) -> bool:
    return scope.get("path", "").startswith("/api/")


def _has_bearer(headers: Headers) -> bool:
    return headers.get("authorization", "").lower().startswith("bearer ")


OnFailure = Callable[[Scope, Receive, Send], Awaitable[None]]


class CSRFMiddleware:
    """Every unsafe request authenticated by the session cookie must carry the session's
    CSRF token: in the X-CSRF-Token header (htmx sends it on every request) or in the
    `csrf_token` form field (plain form posts). Bearer-token API calls carry no cookie
    authority and are exempt; so are API calls with no signed-in session."""

    def __init__(self, app: ASGIApp, on_failure: OnFailure) -> None:
        self.app = app
        self.on_failure = on_failure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        session = scope.get("session", {})
        if _is_api(scope) and (_has_bearer(headers) or not session.get("uid")):
            await self.app(scope, receive, send)
            return
        if csrf_matches(session, headers.get(CSRF_HEADER)):
            await self.app(scope, receive, send)
            return
        content_type = headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            body = await _read_body(receive)
            form = await Request(scope, _replayer(body, receive)).form()
            token = form.get(CSRF_FORM_FIELD)
            await form.close()
            if csrf_matches(session, token if isinstance(token, str) else None):
                await self.app(scope, _replayer(body, receive), send)
                return
        await self.on_failure(scope, receive, send)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replayer(body: bytes, receive: Receive) -> Receive:
    """Hands the already-read body over once, then waits on the real channel (disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
