"""Helpers shared by the API routers."""

from typing import Any, Protocol, TypeVar

from fastapi import Response
from pydantic import BaseModel

from app.services.concurrency import etag
from app.services.pagination import PageParams


def envelope(items: list[Any], total: int, page: PageParams) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": page.limit, "offset": page.offset}


def whole_list(items: list[Any]) -> dict[str, Any]:
    """The envelope of a short list given whole (a user's sign-ins, the service keys)."""
    return {"items": items, "total": len(items), "limit": max(len(items), 1), "offset": 0}


def full_list(items: list[Any]) -> dict[str, Any]:
    """The envelope of a fixed list given whole (the rubric, awards, reviewers, the ranking,
    the budget lists): `limit` is the count itself, 0 for none, as these have always
    answered."""
    return {"items": items, "total": len(items), "limit": len(items), "offset": 0}


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def json_answer(model: BaseModel, *, etag_from: Versioned | None = None) -> Response:
    """The model as the JSON answer, serialised here (in the route's thread) rather than
    validated again and serialised by FastAPI against the route's `response_model`, which
    the model already is (docs/benchmarks.md); with the ETag of `etag_from`'s version."""
    headers = {"ETag": etag(etag_from.version)} if etag_from is not None else None
    body = model.model_dump_json(by_alias=True)  # as FastAPI would
    return Response(body, media_type="application/json", headers=headers)


def with_etag(response: Response, model: V) -> V:
    """Sets the ETag header from the resource's version and returns the resource."""
    response.headers["ETag"] = etag(model.version)
    return model
