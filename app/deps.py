"""Dependencies shared by the routers: the session, the current user and role gates."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from app.config import Settings
from app.errors import Forbidden, NotAuthenticated
from app.i18n import N_
from app.models import User
from app.models.auth_session import SessionKind
from app.models.enums import Role
from app.rules import with_policy
from app.services import api_keys, mail, sessions
from app.services.concurrency import parse_if_match

NOT_SIGNED_IN = N_("ログインしてください。")
NOT_ALLOWED = N_("この操作を行う権限がありません。")

T = TypeVar("T")


# Dependencies that do no I/O are `async def`: FastAPI runs a plain `def` dependency in a
# worker thread, and each such hop costs more than the work (docs/benchmarks.md).


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def new_session(request: Request) -> Session:
    """A database session for this request, working under the app's review policy and
    mail settings."""
    session = Session(request.app.state.engine, expire_on_commit=False)
    with_policy(session, request.app.state.policy)  # rules.policy_of reads it
    mail.with_settings(session, request.app.state.settings)  # mail.settings_of reads it
    return session


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Opening a Session touches no database (the connection is taken on its first query,
    # in the route's thread). Closing it returns the connection to the pool, which rolls
    # back what is left open: on PostgreSQL a round trip, done in a worker thread; on
    # SQLite the end of a local read transaction, cheaper than the thread hop.
    engine = request.app.state.engine
    session = new_session(request)
    request.state.db = session  # reused by the page layout (the unread badge)
    try:
        yield session
    finally:
        # Error pages render after this session is closed; reusing it would begin a
        # transaction nobody ends (on PostgreSQL, a connection idle in transaction
        # until garbage collection). Without it the badge opens a session of its own.
        request.state.db = None
        if engine.dialect.name == "sqlite" or not session.in_transaction():
            session.close()  # nothing to send to a server: no hop
        else:
            await run_in_threadpool(session.close)


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


SESSION_KEY = "sid"  # the browser session's key, inside the signed cookie


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def start_session(
    request: Request, session: Session, settings: Settings, user: User, kind: SessionKind
) -> str:
    """A new sign-in of `user` from this request's address and browser; returns its key."""
    return sessions.open_session(
        session,
        user=user,
        kind=kind,
        settings=settings,
        address=client_address(request),
        user_agent=request.headers.get("user-agent", ""),
    )


def authenticate(request: Request, session: Session, settings: Settings) -> User:
    """The caller of an API request: a service key (services/api_keys.py; 403 outside its
    scopes), a bearer token, or the page session (whose unsafe requests the CSRF
    middleware has already checked). 401 for anything else, including a revoked or
    expired key, token or session."""
    token = _bearer_token(request)
    if token is not None and api_keys.looks_like_key(token):
        principal = api_keys.principal_for(
            session, token=token, method=request.method, path=request.url.path
        )
        if principal is None:
            raise NotAuthenticated(NOT_SIGNED_IN, headers={"WWW-Authenticate": "Bearer"})
        request.state.auth, request.state.user = None, principal
        return principal
    if token is not None:
        found = sessions.resolve(session, key=token, kind=SessionKind.token, settings=settings)
    elif request.headers.get("authorization"):
        found = None
    else:
        found = sessions.resolve(
            session,
            key=request.session.get(SESSION_KEY),
            kind=SessionKind.browser,
            settings=settings,
        )
    if found is None:
        raise NotAuthenticated(NOT_SIGNED_IN, headers={"WWW-Authenticate": "Bearer"})
    request.state.auth, user = found
    request.state.user = user
    return user


def get_api_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    return authenticate(request, session, settings)


async def presents_credentials(request: Request) -> None:
    """401 at once when the request carries no credentials at all: a route that signs in
    inside its own thread (`in_one_thread`) still answers that before reading its
    parameters, as every other route does."""
    if not request.headers.get("authorization") and SESSION_KEY not in request.session:
        raise NotAuthenticated(NOT_SIGNED_IN, headers={"WWW-Authenticate": "Bearer"})


async def in_one_thread(request: Request, work: Callable[[Session, User], T]) -> T:
    """Opens a database session, signs in the API caller and runs `work(session, user)`,
    all in one worker thread, and closes the session there. The busiest reads use it:
    each sync dependency (the session's closing included) is a hop from the event loop
    into a thread and back, and for a small read the hops cost more than the work
    (docs/benchmarks.md). Routes that use it declare `dependencies=[Credentials]`."""

    def run() -> T:
        with new_session(request) as session:
            answer = work(session, authenticate(request, session, request.app.state.settings))
            # These routes only read. Ending the transaction with COMMIT rather than the
            # ROLLBACK of closing keeps the statements psycopg has prepared on this
            # connection: it forgets them all on every ROLLBACK, so PostgreSQL would plan
            # each query afresh on every request (docs/benchmarks.md).
            session.commit()
            return answer

    return await run_in_threadpool(run)


Credentials = Depends(presents_credentials)


class LoginRequired(Exception):
    """A page needs a signed-in user; main.py redirects to the login page."""


def get_page_user_optional(
    request: Request, session: SessionDep, settings: SettingsDep
) -> User | None:
    key = request.session.get(SESSION_KEY)
    found = sessions.resolve(session, key=key, kind=SessionKind.browser, settings=settings)
    if found is None and key is not None:
        request.session.pop(SESSION_KEY, None)
    request.state.auth, user = found or (None, None)
    request.state.user = user
    return user


async def get_page_user(user: Annotated[User | None, Depends(get_page_user_optional)]) -> User:
    if user is None:
        raise LoginRequired()
    return user


ApiUser = Annotated[User, Depends(get_api_user)]
PageUser = Annotated[User, Depends(get_page_user)]
OptionalPageUser = Annotated[User | None, Depends(get_page_user_optional)]


def require_roles(*roles: Role, page: bool = False) -> Callable[..., Awaitable[User]]:
    """A dependency that lets through only holders of one of `roles` (403 otherwise)."""
    base = get_page_user if page else get_api_user

    async def gate(user: Annotated[User, Depends(base)]) -> User:
        if not user.has_role(*roles):
            raise Forbidden(NOT_ALLOWED)
        return user

    return gate


AdminApiUser = Annotated[User, Depends(require_roles(Role.admin))]
AdminPageUser = Annotated[User, Depends(require_roles(Role.admin, page=True))]


async def if_match_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    return parse_if_match(if_match)


IfMatch = Annotated[int | None, Depends(if_match_version)]
