"""The evaluation of the Japanese text help on the hand-written set in tests/data/text_eval/
(docs/text.md): precision and recall of the similar-proposal hints over labelled pairs, and
top-1 / top-2 accuracy of the initiative suggestion.

`python -m tests.text.evaluation` prints the figures on a fresh SQLite database;
tests/text/test_evaluation.py runs the same on the test database and fails below the
thresholds.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from app.models import Initiative, Proposal, User
from app.models.enums import Status
from app.models.proposal import ProposalCreate
from app.models.types import utcnow
from app.services.proposals import create_proposal
from app.services.similar import similar_proposals
from app.services.suggest import suggest_initiatives

DATA = Path(__file__).resolve().parent.parent / "data" / "text_eval"
FOLDS = 6


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def add(session: Session, author: User, item: dict, initiative_id: int | None = None) -> int:
    data = ProposalCreate(title=item["title"], summary=item["body"], initiative_id=initiative_id)
    proposal = create_proposal(session, data=data, user=author)
    proposal.status = Status.submitted.value
    proposal.submitted_at = utcnow()
    session.add(proposal)
    session.commit()
    return proposal.id


@dataclass
class SimilarFigures:
    pairs: int
    positives: int
    true_positives: int
    false_positives: int
    other_hints: float  # hints per query to proposals outside the pair
    mistakes: list[str]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 0.0


def evaluate_similar(session: Session, author: User, reader: User) -> SimilarFigures:
    """Every proposal of the set is filed; for each pair, is `b` among the hints for `a`
    (written as its title and body, as the form sends them)?"""
    pairs = load("similar_pairs.json")["pairs"]
    ids: dict[str, int] = {}
    for pair in pairs:
        for side in ("a", "b"):
            ids[f"{pair['id']}{side}"] = add(session, author, pair[side])
    tp = fp = other = 0
    mistakes = []
    for pair in pairs:
        hints = similar_proposals(
            session,
            title=pair["a"]["title"],
            text=pair["a"]["body"],
            user=reader,
            exclude_id=ids[f"{pair['id']}a"],
            limit=5,
        )
        found = {h.proposal.id: h for h in hints}
        hit = ids[f"{pair['id']}b"] in found
        other += len(found) - hit
        if hit and pair["similar"]:
            tp += 1
        elif hit:
            fp += 1
            h = found[ids[f"{pair['id']}b"]]
            mistakes.append(f"FP {pair['id']} {h.similarity} {h.matched_words}")
        elif pair["similar"]:
            mistakes.append(f"FN {pair['id']} {pair['a']['title']} / {pair['b']['title']}")
    positives = sum(1 for p in pairs if p["similar"])
    return SimilarFigures(len(pairs), positives, tp, fp, other / len(pairs), mistakes)


@dataclass
class SuggestFigures:
    proposals: int
    top1: int
    top2: int

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.proposals

    @property
    def top2_accuracy(self) -> float:
        return self.top2 / self.proposals


def _score(session: Session, items: list[dict]) -> tuple[int, int]:
    top1 = top2 = 0
    for item in items:
        found = [
            s.initiative.number
            for s in suggest_initiatives(session, text=f"{item['title']}\n{item['body']}")
        ]
        top1 += found[:1] == [item["initiative"]]
        top2 += item["initiative"] in found[:2]
    return top1, top2


def evaluate_suggest(session: Session, author: User) -> tuple[SuggestFigures, SuggestFigures]:
    """Top-1 / top-2 accuracy twice: from the plan's words alone (a town's first year), and
    with the other labelled proposals filed under their initiatives (six folds: each
    proposal is suggested for while its own fold is filed under none)."""
    items = load("initiative_labelled.json")["proposals"]
    cold = SuggestFigures(len(items), *_score(session, items))
    by_number = {i.number: i.id for i in session.exec(select(Initiative)).all()}
    filed = {
        item["id"]: add(session, author, item, by_number[item["initiative"]]) for item in items
    }
    top1 = top2 = 0
    for fold in range(FOLDS):
        held = [item for n, item in enumerate(items) if n % FOLDS == fold]
        for item in held:
            session.get(Proposal, filed[item["id"]]).initiative_id = None
        session.commit()
        a, b = _score(session, held)
        top1, top2 = top1 + a, top2 + b
        for item in held:
            session.get(Proposal, filed[item["id"]]).initiative_id = by_number[item["initiative"]]
        session.commit()
    return cold, SuggestFigures(len(items), top1, top2)


def main() -> None:
    import tempfile

    from app.config import Settings
    from app.db import make_engine
    from app.migrate import upgrade_head
    from app.models.department import DepartmentCreate
    from app.models.enums import Role
    from app.models.user import UserCreate
    from app.services.departments import create_department
    from app.services.users import create_user

    with tempfile.TemporaryDirectory() as root:
        settings = Settings(
            _env_file=None, environment="test", database_url=f"sqlite:///{root}/eval.db"
        )
        engine = make_engine(settings)
        with engine.begin() as connection:
            upgrade_head(connection)
        with Session(engine, expire_on_commit=False) as session:
            dept = create_department(session, data=DepartmentCreate(code="E01", name="評価課"))
            author, reader = (
                create_user(
                    session,
                    data=UserCreate(
                        email=f"{name}@eval.example",
                        name=name,
                        password="evaluation-password-1",
                        department_id=dept.id,
                        roles=roles,
                    ),
                )
                for name, roles in (
                    ("author", [Role.staff]),
                    ("reader", [Role.staff, Role.secretariat]),
                )
            )
            sim = evaluate_similar(session, author, reader)
            print(
                f"similar: pairs={sim.pairs} positives={sim.positives} "
                f"precision={sim.precision:.3f} recall={sim.recall:.3f} "
                f"other_hints_per_query={sim.other_hints:.2f}"
            )
            for line in sim.mistakes:
                print("  ", line)
            cold, warm = evaluate_suggest(session, author)
            for label, f in (("plan only", cold), ("with past proposals", warm)):
                print(
                    f"suggest ({label}): n={f.proposals} top1={f.top1_accuracy:.3f} "
                    f"top2={f.top2_accuracy:.3f}"
                )
        engine.dispose()


if __name__ == "__main__":
    main()
