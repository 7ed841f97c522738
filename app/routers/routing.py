"""The route class of every API operation and page: answers no single handler can give.

- 405 names every method of the resource in `Allow` (GET and PUT /rubric live in two
  routes; Starlette alone would name the first one's only).
- A JSON body holding a lone UTF-16 surrogate (`"\\ud800"`, valid JSON syntax but no
  character) is refused with 422 before any handler sees it: neither database can store
  one, and an error message echoing it could not be encoded as UTF-8. Pairs that make a
  real character (`"\\ud83d\\ude00"`) are decoded by `json` into that character and pass.
  (This is the body's decoding, so it comes where malformed JSON does: before the
  caller is identified.)
- Forms are text in UTF-8. URL-encoded forms decode with replacement characters, but a
  multipart form may name its own charset, and UTF-7 or unicode_escape decode to lone
  surrogates as well: a multipart charset other than UTF-8 is refused (400). Browsers
  never send one.
- The text types (app.models.types) refuse surrogates too, whatever the source.
"""

import codecs
import json
import os
import re
from email.message import Message
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, APIRouter, iter_route_contexts
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

from app.i18n import N_
from app.i18n import gettext as _
from app.middleware import read_body, replayer
from app.models.types import NOT_UNICODE

FORM_NOT_UTF8 = N_("フォームは UTF-8 で送信してください。")

_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _content_type(scope: Scope) -> Message | None:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            message = Message()
            message["content-type"] = value.decode("latin-1")
            return message
    return None


def _is_json(content_type: Message | None) -> bool:
    if content_type is None:
        return False
    subtype = content_type.get_content_subtype()
    return content_type.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _foreign_form_charset(content_type: Message | None) -> bool:
    """A multipart form that names a charset other than UTF-8 (one Starlette knows: an
    unknown one is read as Latin-1, which cannot make surrogates)."""
    if content_type is None or content_type.get_content_type() != "multipart/form-data":
        return False
    charset = content_type.get_param("charset")
    if not isinstance(charset, str):
        return False
    try:
        return codecs.lookup(charset).name != "utf-8"
    except LookupError:
        return False


def _printable(part: str | int) -> str | int:
    """A key as it can be shown: a lone surrogate as its escape."""
    if isinstance(part, str):
        return part.encode("utf-8", "backslashreplace").decode("utf-8")
    return part


def _surrogate_at(value: Any, path: tuple[str | int, ...] = ()) -> tuple | None:
    """The location of the first string (or key) holding a lone surrogate."""
    if isinstance(value, str):
        return path if any("\ud800" <= c <= "\udfff" for c in value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _surrogate_at(key, (*path, key)) or _surrogate_at(item, (*path, key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _surrogate_at(item, (*path, index))
            if found is not None:
                return found
    return None


def check_json_text(body: bytes) -> None:
    """422 (RequestValidationError) when the JSON body holds a lone surrogate; anything
    that is not JSON at all is left to FastAPI's own parsing (400)."""
    if not _ESCAPED_SURROGATE.search(body):
        return
    try:
        data = json.loads(body)
    except ValueError:
        return
    path = _surrogate_at(data)
    if path is not None:
        error = {
            "type": "string_unicode",
            "loc": ("body", *(_printable(part) for part in path)),
            "msg": NOT_UNICODE,
            "input": None,
        }
        raise RequestValidationError([error])


def _allowed_methods(scope: Scope) -> list[str]:
    """Every method of the resource at this path: of every route whose path matches it,
    or only of those spelled literally when there are any (/auth/sessions/revoke-others
    is its own resource, not a session with that id)."""
    router = scope.get("router")
    path = scope["path"][len(scope.get("root_path", "")) :] or "/"
    literal: set[str] = set()
    templated: set[str] = set()
    for context in iter_route_contexts(router.routes if router else []):
        regex, route_methods = getattr(context, "path_regex", None), context.methods
        if regex is not None and route_methods and regex.match(path):
            is_literal = "{" not in (context.path_format or "")
            (literal if is_literal else templated).update(route_methods)
    return sorted(literal or templated)


class CheckedRoute(APIRoute):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            allowed = _allowed_methods(scope) or sorted(self.methods)
            raise HTTPException(status_code=405, headers={"Allow": ", ".join(allowed)})
        if scope["method"] in _BODY_METHODS:
            content_type = _content_type(scope)
            if _foreign_form_charset(content_type):
                raise HTTPException(status_code=400, detail=_(FORM_NOT_UTF8))
            if _is_json(content_type):
                body = await read_body(receive)
                check_json_text(body)
                receive = replayer(body, receive)
        await super().handle(scope, receive, send)


def use_checked_routes(router: APIRouter) -> None:
    """Makes every route of `router` a CheckedRoute. The API and page modules declare
    plain APIRouters; app/routers/api/__init__.py and pages/__init__.py call this once for
    each, so all of them give the same answers without each module having to remember a
    route class."""
    for route in router.routes:
        if type(route) is APIRoute:
            route.__class__ = CheckedRoute


class ScopedRouter(APIRouter):
    """A router that says "no match" at once for a path outside its routes. FastAPI tries
    every route of every included router in turn, each through several layers of calls, and
    does it twice per level (to choose the router, then the route inside it): the detail
    request tried 55 routes before its own. A path that does not begin with what all of a
    router's paths begin with cannot match any of them (docs/benchmarks.md)."""

    path_prefix = ""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if not get_route_path(scope).startswith(self.path_prefix):
            return Match.NONE, {}
        return super().matches(scope)


def scope_router(router: APIRouter, mounted_at: str = "") -> None:
    """Makes `router` a ScopedRouter: its prefix is `mounted_at` (where it is included)
    followed by the literal beginning all its routes' paths share (up to the first path
    parameter). Call it once its routes are all added."""
    beginnings = [str(getattr(route, "path", "")).split("{", 1)[0] for route in router.routes]
    # Character by character on purpose: a string that every path begins with.
    shared = os.path.commonprefix(beginnings) if beginnings else ""  # noqa: RUF071
    router.__class__ = ScopedRouter
    assert isinstance(router, ScopedRouter)
    router.path_prefix = mounted_at + (shared or router.prefix)


def operation_id(route: Any) -> str:
    """`<tag>-<name>`, the stable operationId of an API operation (docs/portal.md): the
    route's name in kebab case without the tag's noun (`approve_budget` under `budget` is
    `budget-approve`), and `list` for the collection (`read_proposals` is
    `proposals-list`). Routes whose function name would read badly set `name=`; the
    whole list is pinned by tests/api/test_openapi_contract.py."""
    tag = route.tags[0]
    plural = tag.replace("-", "_")
    singular = plural.removesuffix("s")
    name = route.name
    if name == f"read_{plural}" and plural != singular:
        return f"{tag}-list"
    for noun in (plural, singular):
        name = re.sub(rf"(^|_){noun}(?=_|$)", "", name)
    return f"{tag}-{name.strip('_').replace('_', '-')}"
