"""Japanese full-text search over proposal titles and texts.

Terms are split on (full- or half-width) spaces and all must match. Each term matches
case-insensitively as a substring of the title or any text field.
"""

import unicodedata

from sqlalchemy import and_, func, or_
from sqlalchemy.sql.elements import ColumnElement

from app.models import Proposal

SEARCHED = ("title", "summary", "current_situation", "proposal_text", "expected_effect")
MAX_TERMS = 8


def terms_of(q: str) -> list[str]:
    """'ＲＰＡ　窓口' → ['rpa', '窓口']: NFKC, lower-case, split on any space."""
    text = unicodedata.normalize("NFKC", q).lower()
    return [t for t in text.split() if t][:MAX_TERMS]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_clause(q: str, dialect: str) -> ColumnElement[bool] | None:
    """A condition matching proposals that contain every term; None for a blank query."""
    terms = terms_of(q)
    if not terms:
        return None
    conditions = []
    for term in terms:
        pattern = f"%{_escape_like(term)}%"
        conditions.append(
            or_(
                *(
                    func.lower(getattr(Proposal, name)).like(pattern, escape="\\")
                    for name in SEARCHED
                )
            )
        )
    return and_(*conditions)
