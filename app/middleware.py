"""ASGI middleware: security headers, request size limits, the request locale and CSRF
protection (docs/security.md)."""

from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import LOCALE_COOKIE, N_, choose_locale, set_locale
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
CSRF_FAILED = N_(
    "フォームの有効期限が切れたか、不正な送信です。"
    "ページを再読み込みしてからもう一度お試しください。"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class SecurityHeadersMiddleware:
    """The headers above on every response; `Cache-Control: no-store` on everything but
    the static files, so a shared PC's browser keeps no copy of a signed-in page; and the
    `Secure` flag on every cookie of a request that came over HTTPS (behind the town's
    proxy too, once uvicorn trusts its X-Forwarded-Proto) or when `always_secure`."""

    def __init__(self, app: ASGIApp, always_secure: bool = False) -> None:
        self.app = app
        self.always_secure = always_secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = self.always_secure or scope.get("scheme") == "https"
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not static:
                    headers.setdefault("cache-control", "no-store")
                if secure:
                    _secure_cookies(headers)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _secure_cookies(headers: MutableHeaders) -> None:
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for cookie in cookies:
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        headers.append("set-cookie", cookie if "secure" in flags else f"{cookie}; secure")


# Answers a refused request: (scope, receive, send, status, message id or None for the
# status's usual message).
OnError = Callable[[Scope, Receive, Send, int, str | None], Awaitable[None]]
# Room for the multipart boundaries, headers and the other fields beside an upload.
MULTIPART_OVERHEAD = 64 * 1024


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=413)


class BodyLimitMiddleware:
    """Every request body has a ceiling, enforced while it streams in: `max_bytes` for
    JSON and forms, `upload_max_bytes` (plus the multipart overhead) for multipart
    uploads. A declared Content-Length over it is refused before a byte is read; a
    chunked body is cut off as soon as it passes it. Either way the answer is 413 and the
    server's memory stays flat."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int, on_error: OnError
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes + MULTIPART_OVERHEAD
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = headers.get("content-type", "").startswith("multipart/form-data")
        limit = self.upload_max_bytes if multipart else self.max_bytes
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await self.on_error(scope, receive, send, 400, None)
                return
            if int(declared) > limit:
                await self.on_error(scope, receive, send, 413, None)
                return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self.on_error(scope, receive, send, 413, None)


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


class CSRFMiddleware:
    """Every unsafe request authenticated by the session cookie must carry the session's
    CSRF token: in the X-CSRF-Token header (htmx sends it on every request) or in the
    `csrf_token` form field (plain form posts). Bearer-token API calls carry no cookie
    authority and are exempt; so are API calls with no signed-in session."""

    def __init__(self, app: ASGIApp, on_error: OnError) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        session = scope.get("session", {})
        if _is_api(scope) and (_has_bearer(headers) or not session.get("sid")):
            await self.app(scope, receive, send)
            return
        if csrf_matches(session, headers.get(CSRF_HEADER)):
            await self.app(scope, receive, send)
            return
        content_type = headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            body = await read_body(receive)
            try:
                form = await Request(scope, replayer(body, receive)).form()
            except HTTPException as exc:  # too many fields, a field too large, malformed
                await self.on_error(scope, receive, send, exc.status_code, None)
                return
            token = form.get(CSRF_FORM_FIELD)
            await form.close()
            if csrf_matches(session, token if isinstance(token, str) else None):
                await self.app(scope, replayer(body, receive), send)
                return
        await self.on_error(scope, receive, send, 403, CSRF_FAILED)


async def read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replayer(body: bytes, receive: Receive) -> Receive:
    """Hands the already-read body over once, then waits on the real channel (disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
