"""Paging a query: the `limit`/`offset` parameters and one page of rows (the envelope
itself is app.models.page.Page)."""

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, select
from sqlmodel.sql.expression import SelectOfScalar

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Past any row count the database could hold (and within what both can bind: SQLite
# refuses an integer past 2^63, PostgreSQL's OFFSET a bigint).
MAX_OFFSET = 2**31 - 1


class PageParams(BaseModel):
    limit: int = DEFAULT_LIMIT
    offset: int = 0


async def page_params(  # no I/O: async, so FastAPI runs it without a thread hop
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


def paginate(session: Session, query: SelectOfScalar, page: PageParams) -> tuple[list, int]:
    """One page of `query`'s rows and the count of all of them."""
    total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()
    rows = list(session.exec(query.limit(page.limit).offset(page.offset)).all())
    return rows, total
