"""Requests sent twice create one thing (docs/integrity.md, "Idempotency").

An API request that carries `Idempotency-Key`, and a page form that carries the hidden
`idempotency_key` field (forms that create something have one, fresh on every render),
is answered once: the first answer (2xx or 3xx) is kept for 24 hours under the caller
and the key, and the same key with the same request gets it again, marked
`Idempotent-Replayed: true`, without running the handler. The same key with a different
request is 422. A second request arriving while the first is still being answered waits
for it (a double click), up to `WAIT_SECONDS`, then gets 409. Failed answers are not
kept, so the caller may retry with the same key.

Everything lives in the `idempotency_record` table, so it holds across workers.
"""

import asyncio
import hashlib
from datetime import timedelta

from sqlalchemy import delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.i18n import N_
from app.middleware import SAFE_METHODS, OnError, read_body, replayer
from app.models import IdempotencyRecord
from app.models.types import utcnow

HEADER = "idempotency-key"
FORM_FIELD = "idempotency_key"
KEEP_FOR = timedelta(hours=24)
WAIT_SECONDS = 10.0
# Headers of the first answer worth giving again (never Set-Cookie).
REPLAYED_HEADERS = {"content-type", "location", "etag", "hx-redirect", "hx-trigger"}
# The forms that carry a key are plain ones; an upload (multipart) is not read twice to
# look for one, and takes the Idempotency-Key header like any API request.
FORM_TYPE = "application/x-www-form-urlencoded"

KEY_INVALID = N_("Idempotency-Key は 255 文字以内の英数字記号で指定してください。")
KEY_REUSED = N_("この Idempotency-Key は別の内容のリクエストで使われています。")
IN_PROGRESS = N_("同じ送信を処理中です。しばらくしてから画面を確認してください。")


def _principal(scope: Scope, headers: Headers) -> str | None:
    """Who is asking: their bearer token or their session key, hashed. None when
    anonymous (nothing an anonymous caller may do creates anything)."""
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        credential = "bearer:" + token.strip()
    else:
        sid = scope.get("session", {}).get("sid")
        if not isinstance(sid, str):
            return None
        credential = "session:" + sid
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).hexdigest()


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= 255 and key.isascii() and key.isprintable()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, *, on_error: OnError) -> None:
        self.app = app
        self.on_error = on_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        key = headers.get(HEADER)
        is_form = headers.get("content-type", "").startswith(FORM_TYPE)
        if key is None and not is_form:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if key is None:
            key = await _form_key(scope, body, receive)
            if key is None:
                await self.app(scope, replayer(body, receive), send)
                return
        principal = _principal(scope, headers)
        if principal is None:
            await self.app(scope, replayer(body, receive), send)
            return
        if not _valid_key(key):
            await self.on_error(scope, receive, send, 422, KEY_INVALID)
            return
        engine: Engine = scope["app"].state.engine
        digest = hashlib.sha256()
        for part in (scope["method"], scope["path"], scope.get("query_string", b"").decode()):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(body)
        request_hash = digest.hexdigest()

        record_id, existing = await run_in_threadpool(_claim, engine, principal, key, request_hash)
        waited = 0.0
        while existing is not None and existing.status_code is None and waited < WAIT_SECONDS:
            await asyncio.sleep(0.1)
            waited += 0.1
            record_id, existing = await run_in_threadpool(
                _claim, engine, principal, key, request_hash
            )
        if existing is not None:
            if existing.request_hash != request_hash:
                await self.on_error(scope, receive, send, 422, KEY_REUSED)
            elif existing.status_code is None:
                await self.on_error(scope, receive, send, 409, IN_PROGRESS)
            else:
                await _replay(existing, send)
            return

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replayer(body, receive), capture)
        except BaseException:
            await run_in_threadpool(_forget, engine, record_id)
            raise
        status = start.get("status", 500)
        if 200 <= status < 400:
            kept = [
                [name.decode("latin-1"), value.decode("latin-1")]
                for name, value in start.get("headers", [])
                if name.decode("latin-1").lower() in REPLAYED_HEADERS
            ]
            await run_in_threadpool(_keep, engine, record_id, status, kept, b"".join(chunks))
        else:
            await run_in_threadpool(_forget, engine, record_id)


async def _form_key(scope: Scope, body: bytes, receive: Receive) -> str | None:
    try:
        form = await Request(scope, replayer(body, receive)).form()
    except Exception:  # an unreadable form is the handler's to refuse
        return None
    value = form.get(FORM_FIELD)
    await form.close()
    return value if isinstance(value, str) and value else None


def _claim(
    engine: Engine, principal: str, key: str, request_hash: str
) -> tuple[int | None, IdempotencyRecord | None]:
    """Insert the in-progress record (id, None), or return the one already there."""
    with Session(engine, expire_on_commit=False) as session:
        session.exec(
            delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) < utcnow() - KEEP_FOR)
        )
        session.commit()
        record = IdempotencyRecord(principal=principal, key=key, request_hash=request_hash)
        session.add(record)
        try:
            session.commit()
            return record.id, None
        except IntegrityError:
            session.rollback()
        existing = session.exec(
            select(IdempotencyRecord).where(
                col(IdempotencyRecord.principal) == principal, col(IdempotencyRecord.key) == key
            )
        ).first()
        return None, existing


def _keep(engine: Engine, record_id: int | None, status: int, headers: list, body: bytes) -> None:
    with Session(engine) as session:
        session.exec(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.id) == record_id)
            .values(status_code=status, headers=headers, body=body)
        )
        session.commit()


def _forget(engine: Engine, record_id: int | None) -> None:
    with Session(engine) as session:
        session.exec(delete(IdempotencyRecord).where(col(IdempotencyRecord.id) == record_id))
        session.commit()


async def _replay(record: IdempotencyRecord, send: Send) -> None:
    headers = [(n.encode("latin-1"), v.encode("latin-1")) for n, v in record.headers]
    headers.append((b"idempotent-replayed", b"true"))
    headers.append((b"content-length", str(len(record.body)).encode()))
    await send({"type": "http.response.start", "status": record.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": record.body})
