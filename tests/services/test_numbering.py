"""Accept numbers proposals R<year>-<serial> per fiscal year, without gaps or duplicates
even when several secretariat members accept at the same moment."""

import threading

from sqlmodel import Session

from app.errors import InvalidTransition
from app.models import Proposal
from app.models.enums import Role, Status
from app.rules import Action
from app.services import lifecycle
from tests.helpers import proposal_in


def test_concurrent_accepts_get_distinct_consecutive_numbers(
    db_engine, session: Session, make_user
) -> None:
    author = make_user()
    clerks = [make_user(Role.secretariat) for _ in range(4)]
    proposals = [
        proposal_in(session, Status.submitted, author=author, title=f"同時受理{i}")
        for i in range(12)
    ]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def work(clerk, batch) -> None:
        try:
            barrier.wait()
            for proposal_id in batch:
                with Session(db_engine, expire_on_commit=False) as own:
                    proposal = own.get(Proposal, proposal_id)
                    user = own.get(type(clerk), clerk.id)
                    lifecycle.perform(own, proposal=proposal, user=user, action=Action.accept)
        except BaseException as exc:
            errors.append(exc)

    ids = [p.id for p in proposals]
    threads = [
        threading.Thread(target=work, args=(clerk, ids[i::4])) for i, clerk in enumerate(clerks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    session.expire_all()
    numbers = sorted(session.get(Proposal, pid).number for pid in ids)
    fy = proposals[0].fiscal_year
    assert numbers == [f"R{fy - 2018}-{n:04d}" for n in range(1, 13)]


def test_two_clerks_accepting_the_same_proposal_number_it_once(
    db_engine, session: Session, make_user
) -> None:
    author = make_user()
    clerks = [make_user(Role.secretariat) for _ in range(2)]
    proposal = proposal_in(session, Status.submitted, author=author)
    version_before = proposal.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def work(clerk) -> None:
        barrier.wait()
        with Session(db_engine, expire_on_commit=False) as own:
            mine = own.get(Proposal, proposal.id)
            user = own.get(type(clerk), clerk.id)
            try:
                lifecycle.perform(own, proposal=mine, user=user, action=Action.accept)
                outcomes.append("accepted")
            except InvalidTransition:
                outcomes.append("conflict")

    threads = [threading.Thread(target=work, args=(c,)) for c in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["accepted", "conflict"]
    session.expire_all()
    stored = session.get(Proposal, proposal.id)
    assert stored.number == f"R{stored.fiscal_year - 2018}-0001"
    assert stored.version == version_before + 1
    # The losing accept's serial was rolled back with it: no gap in the ledger.
    following = proposal_in(session, Status.submitted, author=author, title="次の提案")
    with Session(db_engine, expire_on_commit=False) as own:
        accepted = lifecycle.perform(
            own,
            proposal=own.get(Proposal, following.id),
            user=own.get(type(clerks[0]), clerks[0].id),
            action=Action.accept,
        )
    assert accepted.number == f"R{stored.fiscal_year - 2018}-0002"
