"""Similar-proposal hints: proposals whose title (and, less, summary) resemble a title being
written, so staff see an earlier proposal before filing the same idea twice.

Both sides are compared as sets of character trigrams of the NFKC-normalised, case-folded
text with spaces and punctuation dropped ("窓口業務の RPA 化" → 窓口業, 口業務, 業務の, 務のr,
のrp, rpa, pa化). Titles of fewer than three such characters give no hints.

1. Candidates come from the database in one bounded query over the proposals the user may
   see (visibility.visible_clause), never a scan in Python:
   - SQLite: FTS5 MATCH of the OR-ed, quoted trigrams restricted to the `title` column of
     `proposal_fts` (app/services/search.py), best bm25 first;
   - PostgreSQL: pg_trgm's `%` operator on `normalize(title, NFKC)` (GIN-indexed) with a
     low transaction-local similarity threshold, ordered by `similarity()` (the extension's
     schema, normally `public`, must be on the search path).
   At most CANDIDATES rows are read.
2. Each candidate is scored the same way on both databases: the Dice coefficient of the
   title trigram sets, raised by up to SUMMARY_WEIGHT of what is left when the summary
   contains the title's trigrams. Scores below THRESHOLD are not shown.
"""

import unicodedata

from sqlalchemy import func, literal, literal_column
from sqlmodel import Session, col, select

from app.models import Proposal, User
from app.services.search import fold, fts, fts_match, fts_phrase, pg_title_expression
from app.services.visibility import visible_clause

MIN_CHARS = 3
CANDIDATES = 50
THRESHOLD = 0.3
SUMMARY_WEIGHT = 0.25
PG_CANDIDATE_THRESHOLD = 0.1  # pg_trgm similarity for `%`; Python has the last word


def _letters(text: str) -> str:
    """Letters and digits only: no spaces, punctuation or symbols."""
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def normalise(text: str) -> str:
    return _letters(unicodedata.normalize("NFKC", text).casefold())


def trigrams(text: str) -> set[str]:
    """The trigram set of an already normalised text."""
    return {text[i : i + 3] for i in range(len(text) - 2)}


def dice(a: set[str], b: set[str]) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def score(grams: set[str], proposal: Proposal) -> float:
    """How much a proposal resembles a title with trigram set `grams`, 0–1."""
    title = dice(grams, trigrams(normalise(proposal.title)))
    summary_grams = trigrams(normalise(proposal.summary or ""))
    contained = len(grams & summary_grams) / len(grams) if grams else 0.0
    return title + SUMMARY_WEIGHT * (1 - title) * contained


def _sqlite_candidates(session: Session, title: str, query):
    # Trigrams of the width-folded title (as stored in proposal_fts); FTS5 folds case.
    grams = sorted(trigrams(_letters(fold(title))))
    if not grams:
        return []
    expression = "title : (" + " OR ".join(fts_phrase(g) for g in grams) + ")"
    ranked = (
        select(fts.c.rowid.label("id"), func.bm25(literal_column(fts.name)).label("rank"))
        .where(fts_match(expression))
        .subquery()
    )
    query = query.join(ranked, ranked.c.id == Proposal.id).order_by(ranked.c.rank, ranked.c.id)
    return session.exec(query.limit(CANDIDATES)).all()


def _postgres_candidates(session: Session, title: str, query):
    session.execute(
        select(
            func.set_config(
                "pg_trgm.similarity_threshold", str(PG_CANDIDATE_THRESHOLD), literal(True)
            )
        )
    )
    text = unicodedata.normalize("NFKC", title)
    indexed = pg_title_expression()
    query = query.where(indexed.op("%")(text)).order_by(
        func.similarity(indexed, text).desc(), col(Proposal.id).desc()
    )
    return session.exec(query.limit(CANDIDATES)).all()


def similar_proposals(
    session: Session,
    *,
    title: str,
    user: User,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[tuple[Proposal, float]]:
    """Up to `limit` proposals the user may see that resemble `title`, best first, each
    with its score (0–1); [] for a title too short to compare."""
    normalised = normalise(title)
    if len(normalised) < MIN_CHARS:
        return []
    grams = trigrams(normalised)
    query = select(Proposal).where(visible_clause(user))
    if exclude_id is not None:
        query = query.where(Proposal.id != exclude_id)
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        candidates = _sqlite_candidates(session, title, query)
    elif dialect == "postgresql":
        candidates = _postgres_candidates(session, title, query)
    else:
        candidates = []
    scored = [(p, round(score(grams, p), 3)) for p in candidates]
    scored = [(p, s) for p, s in scored if s >= THRESHOLD]
    scored.sort(key=lambda item: (-item[1], -(item[0].id or 0)))
    return scored[:limit]
