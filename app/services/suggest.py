"""Which DX initiative a text most likely advances (docs/text.md): a suggestion for the
author, who still chooses.

Each initiative has a profile from two sources, both compared through the Japanese
analyser's features (app/services/japanese.py):
1. the plan's own words: its title (counting `TITLE_FACTOR` times), summary and schedule,
   and the everyday words staff use for it (app/data/initiative_words.json). A feature
   weighs log(1 + tf) × idf over the initiatives (a word in every initiative tells nothing);
   the plan score is the cosine of the text's and the profile's vectors;
2. the proposals already tied to it (all but drafts): for each of the text's features, the
   share of the initiative's proposals that have it, weighted by the feature's idf over all
   proposals; this past score counts `PAST_WEIGHT` times, scaled by how many proposals the
   initiative has (n / (n + `PAST_PRIOR`)), so that one old proposal does not outvote the plan.
An initiative's score is its share of the total evidence (0–1, the shares sum to 1);
initiatives with less than `MIN_EVIDENCE` are left out, and with them texts that say
nothing about any initiative.
"""

import json
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from app import rules
from app.models import Initiative, Proposal
from app.models.enums import Status
from app.models.text import ProposalTerm
from app.services.similar import GENERIC_FACTOR, cosine, generic_terms
from app.services.text_index import Corpus, Feature, features, rarest

WORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "initiative_words.json"
TITLE_FACTOR = 2.0
PAST_WEIGHT = 1.0
PAST_PRIOR = 5
MIN_EVIDENCE = 0.05
ROW_BUDGET = 8000


@dataclass
class Suggestion:
    initiative: Initiative
    score: float
    matched_words: list[str]


@cache
def _words() -> dict[int, str]:
    data = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
    return {int(number): words for number, words in data["words"].items()}


@cache
def _profile(number: int, title: str, summary: str, schedule: tuple[str, ...]):
    """An initiative's plan features (a pure function of its texts, so memoised)."""
    return features(title, [summary, *schedule, _words().get(number, "")])


def _tf(f: Feature) -> float:
    return math.log1p(TITLE_FACTOR * f.title_weight + f.body_weight)


def _plan_scores(
    initiatives: list[Initiative], query: dict[str, Feature]
) -> dict[int, tuple[float, dict[str, float]]]:
    profiles = {
        i.number: _profile(i.number, i.title, i.summary, tuple(i.schedule)) for i in initiatives
    }
    spread: dict[str, int] = defaultdict(int)
    for profile in profiles.values():
        for term in profile:
            spread[term] += 1
    count = len(initiatives)
    weight = {t: math.log(1 + count / n) for t, n in spread.items()}
    q = {t: _tf(f) * weight[t] for t, f in query.items() if t in weight}
    result = {}
    for number, profile in profiles.items():
        p = {t: _tf(f) * weight[t] for t, f in profile.items()}
        shared = {t: q[t] * p[t] for t in q if t in p}
        result[number] = (cosine(q, p) if shared else 0.0, shared)
    return result


def _past_scores(
    session: Session, query: dict[str, Feature]
) -> dict[int, tuple[float, dict[str, float]]]:
    corpus = Corpus(session)
    idfs = corpus.idfs(query)
    generic = generic_terms()
    q = {t: _tf(f) * idfs[t] * (GENERIC_FACTOR if t in generic else 1.0) for t, f in query.items()}
    total = sum(q.values())
    if not total:
        return {}
    tied = col(Proposal.initiative_id).is_not(None) & ~rules.status_in(
        col(Proposal.status), [Status.draft]
    )
    sizes = dict(
        session.exec(
            select(Proposal.initiative_id, func.count())
            .where(tied)
            .group_by(col(Proposal.initiative_id))
        ).all()
    )
    # The rarer features, as many as ROW_BUDGET index rows allow (text_index.rarest).
    read = rarest(q, corpus.df, ROW_BUDGET)
    counts = session.exec(
        select(Proposal.initiative_id, ProposalTerm.term, func.count())
        .join(ProposalTerm, col(ProposalTerm.proposal_id) == Proposal.id)
        .where(tied, col(ProposalTerm.term).in_(read))
        .group_by(col(Proposal.initiative_id), col(ProposalTerm.term))
    ).all()
    shares: dict[int, dict[str, float]] = defaultdict(dict)
    for initiative_id, term, n in counts:
        if initiative_id is None:  # excluded by `tied`; for the type checker
            continue
        shares[initiative_id][term] = q[term] * n / (sizes[initiative_id] + 1)
    return {
        initiative_id: (
            sum(by_term.values())
            / total
            * sizes[initiative_id]
            / (sizes[initiative_id] + PAST_PRIOR),
            by_term,
        )
        for initiative_id, by_term in shares.items()
    }


def suggest_initiatives(session: Session, *, text: str, limit: int = 2) -> list[Suggestion]:
    """The initiatives `text` most likely advances, best first (at most `limit`)."""
    query = features("", [text])
    if not query:
        return []
    initiatives = list(session.exec(select(Initiative).order_by(col(Initiative.number))).all())
    if not initiatives:
        return []
    plan = _plan_scores(initiatives, query)
    past = _past_scores(session, query)
    totals: dict[int, float] = {}
    contributions: dict[int, dict[str, float]] = {}
    for initiative in initiatives:
        plan_score, plan_terms = plan[initiative.number]
        past_score, past_terms = past.get(initiative.id or 0, (0.0, {}))
        totals[initiative.number] = plan_score + PAST_WEIGHT * past_score
        merged = defaultdict(float, plan_terms)
        for term, value in past_terms.items():
            merged[term] += value
        contributions[initiative.number] = merged
    grand = sum(totals.values())
    ranked = sorted(initiatives, key=lambda i: (-totals[i.number], i.number))
    suggestions = []
    for initiative in ranked[:limit]:
        total = totals[initiative.number]
        if total < MIN_EVIDENCE:
            break
        terms = sorted(contributions[initiative.number].items(), key=lambda kv: -kv[1])
        words: list[str] = []
        for term, _ in terms:
            word = query[term].word if term in query else term
            if word not in words:
                words.append(word)
        suggestions.append(Suggestion(initiative, round(total / grand, 3), words[:8]))
    return suggestions
