"""Keeps `proposal_term` (app/models/text.py) in step with the proposals' texts, and reads
corpus statistics from it (docs/text.md).

Every ORM flush that inserts a proposal or changes its title or one of its four texts
rewrites that proposal's rows in the same transaction (a session event, so no writer can
forget it: the services, the demo loader and the tests' factories alike); deleting a
proposal deletes its rows by the foreign key's ON DELETE CASCADE. Writers that bypass the
ORM (the benchmark loader, a restore from an older backup) call `reindex_all`, which is also
`python -m app reindex-text`.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, event, func, insert, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from app.models import Proposal
from app.models.proposal import TEXT_FIELDS
from app.models.text import TERM_MAX, ProposalTerm, ProposalTermCount
from app.services.japanese import analyse, word_keys

INDEXED_FIELDS = ("title", *TEXT_FIELDS)
CHUNK = 500  # terms per IN (...) list
PENDING = "text_index_pending"


@dataclass
class Feature:
    word: str
    title_weight: float = 0.0
    body_weight: float = 0.0


def features(title: str, texts: Iterable[str]) -> dict[str, Feature]:
    """The weighted features of a proposal's title and texts (app/services/japanese.py)."""
    found: dict[str, Feature] = {}
    for text, in_title in [(title, True), *((t, False) for t in texts)]:
        for word in analyse(text or ""):
            for key, weight in word_keys(word).items():
                if len(key) > TERM_MAX:
                    continue
                feature = found.setdefault(
                    key, Feature(word=(word.display or word.base)[:TERM_MAX])
                )
                if in_title:
                    feature.title_weight += weight
                else:
                    feature.body_weight += weight
    return found


def proposal_features(proposal: Proposal) -> dict[str, Feature]:
    return features(proposal.title, (getattr(proposal, name) or "" for name in TEXT_FIELDS))


def term_rows(proposal_id: int, found: dict[str, Feature]) -> list[dict]:
    return [
        {
            "proposal_id": proposal_id,
            "term": term,
            "word": f.word,
            "title_weight": round(f.title_weight, 3),
            "body_weight": round(f.body_weight, 3),
        }
        for term, f in found.items()
    ]


def _counts_change(connection: Connection, change: dict[str, int]) -> None:
    """Add `change` to proposal_term_count, in term order (two transactions touching the
    same terms lock them in the same order, so they wait rather than deadlock)."""
    rows = [{"term": t, "proposals": n} for t, n in sorted(change.items()) if n]
    if not rows:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ProposalTermCount)
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=["term"],
            set_={"proposals": col(ProposalTermCount.proposals) + statement.excluded.proposals},
        ),
        rows,
    )


def _terms_of(connection: Connection, ids: list[int]) -> list[str]:
    return list(
        connection.execute(
            select(col(ProposalTerm.term)).where(col(ProposalTerm.proposal_id).in_(ids))
        ).scalars()
    )


def write_terms(connection: Connection, proposals: Iterable[Proposal]) -> None:
    """Replace the rows of these proposals with the features of their current texts, and
    move the counts by the difference."""
    rows: list[dict] = []
    ids: list[int] = []
    for proposal in proposals:
        if proposal.id is None:
            continue
        ids.append(proposal.id)
        rows.extend(term_rows(proposal.id, proposal_features(proposal)))
    if not ids:
        return
    change: dict[str, int] = defaultdict(int)
    for term in _terms_of(connection, ids):
        change[term] -= 1
    for row in rows:
        change[row["term"]] += 1
    connection.execute(delete(ProposalTerm).where(col(ProposalTerm.proposal_id).in_(ids)))
    if rows:
        connection.execute(insert(ProposalTerm), rows)
    _counts_change(connection, change)


def _texts_changed(proposal: Proposal) -> bool:
    state = inspect(proposal)
    return any(state.attrs[name].history.has_changes() for name in INDEXED_FIELDS)


@event.listens_for(Session, "before_flush")
def _collect(session, flush_context, instances) -> None:
    pending = session.info.setdefault(PENDING, [])
    for obj in session.new:
        if isinstance(obj, Proposal):
            pending.append(obj)
    for obj in session.dirty:
        if isinstance(obj, Proposal) and _texts_changed(obj):
            pending.append(obj)
    # A deleted proposal's rows go by ON DELETE CASCADE; its counts must go down now.
    gone = [obj.id for obj in session.deleted if isinstance(obj, Proposal) and obj.id]
    if gone:
        change: dict[str, int] = defaultdict(int)
        for term in _terms_of(session.connection(), gone):
            change[term] -= 1
        _counts_change(session.connection(), change)


@event.listens_for(Session, "after_flush")
def _write(session, flush_context) -> None:
    pending = session.info.pop(PENDING, None)
    if pending:
        alive = [p for p in pending if p not in session.deleted]
        write_terms(session.connection(), list({id(p): p for p in alive}.values()))


def reindex_all(session: Session, *, batch: int = 500) -> int:
    """Rebuild every proposal's rows and the counts; returns how many proposals were
    analysed."""
    session.execute(delete(ProposalTerm))
    session.execute(delete(ProposalTermCount))
    done = 0
    last = 0
    while chunk := session.exec(
        select(Proposal).where(col(Proposal.id) > last).order_by(col(Proposal.id)).limit(batch)
    ).all():
        write_terms(session.connection(), chunk)
        last = chunk[-1].id or 0
        done += len(chunk)
        session.commit()
        session.expunge_all()
    session.commit()
    return done


# -- corpus statistics --------------------------------------------------------------------

# Pseudo-documents added to the corpus size: a town's first few proposals should not make
# every word look common (with N = 3, a word in two of them would weigh next to nothing).
PRIOR_DOCUMENTS = 20


def corpus_size(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Proposal)).one()


def document_frequencies(session: Session, terms: Iterable[str]) -> dict[str, int]:
    """How many proposals have each term (absent: none)."""
    wanted = sorted(set(terms))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        rows = session.execute(
            select(col(ProposalTermCount.term), col(ProposalTermCount.proposals)).where(
                col(ProposalTermCount.term).in_(part)
            )
        ).all()
        found.update({term: count for term, count in rows if count > 0})
    return found


def idf(df: int, size: int) -> float:
    """BM25's inverse document frequency, always positive."""
    n = size + PRIOR_DOCUMENTS
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def rarest(terms: Iterable[str], frequencies: dict[str, int], budget: int) -> list[str]:
    """The rarest of `terms` whose postings add up to at most `budget` rows (at least the
    rarest one): what a query can afford to read from `proposal_term`, keeping the words
    that tell proposals apart and leaving out the ones a thousand proposals share."""
    chosen: list[str] = []
    spent = 0
    for term in sorted(terms, key=lambda t: (frequencies.get(t, 0), t)):
        cost = frequencies.get(term, 0)
        if chosen and spent + cost > budget:
            break
        chosen.append(term)
        spent += cost
    return chosen


class Corpus:
    """idf of features over the town's proposals, read once per request as needed."""

    def __init__(self, session: Session):
        self.session = session
        self.size = corpus_size(session)
        self.df: dict[str, int] = {}

    def load(self, terms: Iterable[str]) -> None:
        missing = [t for t in terms if t not in self.df]
        if missing:
            found = document_frequencies(self.session, missing)
            self.df.update({t: found.get(t, 0) for t in missing})

    def idfs(self, terms: Iterable[str]) -> dict[str, float]:
        wanted = list(terms)
        self.load(wanted)
        return {t: idf(self.df[t], self.size) for t in wanted}
