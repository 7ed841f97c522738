"""The collection envelope of every list the API answers (docs/portal.md): `Page[XPublic]`
is `{items, total, limit, offset}` with `items` of that schema. A list that carries more
beside its items (the rubric's version, the unread count) subclasses its page."""

from typing import Generic, TypeVar

from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
