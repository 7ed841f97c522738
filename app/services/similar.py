"""Similar-proposal hints: earlier proposals that look like the one being written or taken
in, so staff see 「前に出た・前にやった」 before filing or accepting the same idea twice
(docs/text.md).

Both sides are compared as weighted feature vectors of the Japanese analyser
(app/services/japanese.py: content words by normalised form, Sudachi synonym groups,
compound parts), with TF-IDF weights over the town's own proposals (app/services/text_index.py):
- a feature weighs idf × log(1 + tf) (a word in the title counts as much as one in the
  texts: `TITLE_FACTOR`, measured below);
- words every proposal uses (japanese.GENERIC_WORDS: 業務, 効率化, デジタル化, システム …)
  weigh `GENERIC_FACTOR` as much and count for nothing below;
- the similarity is the cosine of the two vectors, but two proposals are similar only when
  they share at least `MIN_SHARED_WORDS` distinct specific words (or all of them, for a
  query with fewer): one shared word is a coincidence (会議室, 口座振替), not the same idea.
  With `THRESHOLD` this was chosen on the evaluation set (docs/text.md).

Candidates come from `proposal_term` in one bounded query over the proposals the user may
see: those sharing the query's rarest specific features (at most `ROW_BUDGET` index rows
read), ranked in the database by the query's weights of what they share; the best
`CANDIDATES` are scored in full. Scores below `THRESHOLD` are not shown. The same code runs
on SQLite and PostgreSQL.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import case, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.models import Proposal, User
from app.models.proposal import TEXT_FIELDS
from app.models.text import ProposalTerm
from app.services import japanese
from app.services.text_index import Corpus, Feature, features, rarest
from app.services.visibility import visible_clause

# A query's text, in the API and the pages' hints: a query string stays well inside the
# server's 16 KiB request head even in kanji (9 bytes each, percent-encoded), so the title
# and the summary are sent, not the whole proposal.
QUERY_TEXT_MAX = 1000
TITLE_FACTOR = 1.0
GENERIC_FACTOR = 0.3
THRESHOLD = 0.1
MIN_SHARED_WORDS = 3
CANDIDATES = 12
ROW_BUDGET = 5000  # proposal_term rows a query may read to pick candidates


@cache
def generic_terms() -> frozenset[str]:
    """GENERIC_WORDS and the synonym groups and parts they bring."""
    found = set(japanese.GENERIC_WORDS)
    for word in japanese.analyse("、".join(sorted(japanese.GENERIC_WORDS))):
        if word.base in japanese.GENERIC_WORDS:
            found.update(japanese.word_keys(word))
    return frozenset(found)


@dataclass
class Vector:
    """A text's features with their idf weights, whole and for the title alone."""

    whole: dict[str, float] = field(default_factory=dict)
    title: dict[str, float] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)  # feature → the text's word


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / (_norm(a) * _norm(b)) if dot else 0.0


def vector(found: dict[str, Feature], idfs: dict[str, float]) -> Vector:
    generic = generic_terms()
    result = Vector()
    for term, f in found.items():
        weight = idfs.get(term, 0.0) * (GENERIC_FACTOR if term in generic else 1.0)
        tf = TITLE_FACTOR * f.title_weight + f.body_weight
        if tf > 0 and weight > 0:
            result.whole[term] = weight * math.log1p(tf)
        if f.title_weight > 0 and weight > 0:
            result.title[term] = weight * math.log1p(f.title_weight)
        result.words[term] = f.word
    return result


@dataclass
class Match:
    similarity: float
    terms: list[str]  # shared features, largest contribution first


def compare(query: Vector, other: Vector) -> Match:
    """How alike two texts are (0–1), and through which features; 0 when they share fewer
    specific words than MIN_SHARED_WORDS (or than the query has)."""
    generic = generic_terms()
    shared = [t for t in query.whole if t in other.whole]
    specific = {query.words[t] for t in query.whole if t not in generic}
    common = {query.words[t] for t in shared if t not in generic}
    if not common or len(common) < min(MIN_SHARED_WORDS, len(specific)):
        return Match(0.0, [])
    shared.sort(key=lambda t: -query.whole[t] * other.whole[t])
    return Match(round(min(1.0, cosine(query.whole, other.whole)), 3), shared)


def matched_words(match: Match, other: Vector, query: Vector) -> list[str]:
    """The words behind the shared features, most telling first, each once."""
    words: list[str] = []
    generic = generic_terms()
    for term in sorted(match.terms, key=lambda t: t in generic):  # stable: specific first
        word = other.words.get(term) or query.words.get(term) or term
        if word not in words:
            words.append(word)
    return words


@dataclass
class Hint:
    proposal: Proposal
    similarity: float
    matched_words: list[str]
    terms: list[str] = field(default_factory=list)  # the shared features (for marking)


def _stored_features(session: Session, ids: list[int]) -> dict[int, dict[str, Feature]]:
    found: dict[int, dict[str, Feature]] = defaultdict(dict)
    if not ids:
        return found
    rows = session.execute(
        sa_select(
            col(ProposalTerm.proposal_id),
            col(ProposalTerm.term),
            col(ProposalTerm.word),
            col(ProposalTerm.title_weight),
            col(ProposalTerm.body_weight),
        ).where(col(ProposalTerm.proposal_id).in_(ids))
    ).all()
    for proposal_id, term, word, title_weight, body_weight in rows:
        found[proposal_id][term] = Feature(word, title_weight, body_weight)
    return found


def _candidates(
    session: Session,
    query: Vector,
    corpus: Corpus,
    user: User,
    exclude_id: int | None,
    wanted: int,
) -> list[int]:
    """Visible proposals sharing the query's rarer specific features, best first: the
    partial score (the query's weights of the features they share) summed in the database,
    reading at most ROW_BUDGET index rows."""
    generic = generic_terms()
    picks = rarest((t for t in query.whole if t not in generic), corpus.df, ROW_BUDGET)
    if not picks:
        return []
    score = func.sum(case({t: query.whole[t] for t in picks}, value=ProposalTerm.term, else_=0.0))
    statement = (
        select(ProposalTerm.proposal_id)
        .join(Proposal, col(Proposal.id) == ProposalTerm.proposal_id)
        .where(col(ProposalTerm.term).in_(picks))
        .where(visible_clause(user))
        .group_by(col(ProposalTerm.proposal_id))
        .order_by(score.desc(), col(ProposalTerm.proposal_id).desc())
        .limit(max(CANDIDATES, wanted))
    )
    if exclude_id is not None:
        statement = statement.where(ProposalTerm.proposal_id != exclude_id)
    return list(session.exec(statement).all())


def query_vector(corpus: Corpus, found: dict[str, Feature]) -> Vector:
    return vector(found, corpus.idfs(found))


def similar_proposals(
    session: Session,
    *,
    title: str,
    user: User,
    text: str = "",
    exclude_id: int | None = None,
    limit: int = 5,
    threshold: float = THRESHOLD,
) -> list[Hint]:
    """Up to `limit` proposals the user may see that resemble `title` (and `text`), best
    first, each with its similarity (0–1) and the words they share; [] when nothing does."""
    found = features(title, [text])
    if not found:
        return []
    corpus = Corpus(session)
    query = query_vector(corpus, found)
    ids = _candidates(session, query, corpus, user, exclude_id, limit)
    stored = _stored_features(session, ids)
    corpus.load(t for f in stored.values() for t in f)
    scored: list[tuple[int, Match, Vector]] = []
    for pid in ids:
        other = vector(stored[pid], corpus.idfs(stored[pid]))
        match = compare(query, other)
        if match.similarity >= threshold:
            scored.append((pid, match, other))
    scored.sort(key=lambda item: (-item[1].similarity, -item[0]))
    scored = scored[:limit]
    proposals = {
        p.id: p
        for p in session.exec(
            select(Proposal).where(col(Proposal.id).in_([pid for pid, _, _ in scored]))
        ).all()
    }
    return [
        Hint(proposals[pid], match.similarity, matched_words(match, other, query), match.terms)
        for pid, match, other in scored
        if pid in proposals
    ]


def similar_to(session: Session, proposal: Proposal, *, user: User, limit: int = 3) -> list[Hint]:
    """Hints for a stored proposal (the intake queue): its title and texts as the query."""
    body = "\n".join(getattr(proposal, name) or "" for name in TEXT_FIELDS)
    return similar_proposals(
        session, title=proposal.title, text=body, user=user, exclude_id=proposal.id, limit=limit
    )
