"""The list's count and page (proposals._newest_page) against the plain query they replace:
visibility.visible_parts never overlap and together are visible_clause, for every kind of
reader, and the page is the same rows in the same order."""

from itertools import product

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.models import Proposal, ProposalCoAuthor, ReviewAssignment
from app.models.enums import Role, Status
from app.models.proposal import ProposalCreate
from app.models.types import utcnow
from app.services import proposals as proposals_service
from app.services.pagination import MAX_LIMIT, PageParams, paginate
from app.services.proposals import ProposalFilters, list_proposals
from app.services.visibility import visible_clause, visible_parts


def test_parts_partition_the_visible_rows_and_the_page_is_unchanged(
    session: Session, make_user, make_department
) -> None:
    home, other = make_department(), make_department()
    author = make_user(department=home)
    co_author = make_user(department=other)
    readers = {
        "author": author,
        "co-author": co_author,
        "outsider": make_user(department=other),
        "secretariat": make_user(Role.secretariat, department=other),
        "supervisor": make_user(Role.supervisor, department=home),
        "reviewer": make_user(Role.reviewer, department=other),
        "reviewer-supervisor": make_user(Role.reviewer, Role.supervisor, department=other),
    }
    reviewer, both = readers["reviewer"], readers["reviewer-supervisor"]
    # Every status, with and without a co-author, a department (NULL too) and submission.
    departments = (home.id, other.id, None)
    for n, (status, with_co_author, department_id, submitted) in enumerate(
        product(Status, (False, True), departments, (False, True))
    ):
        proposal = proposals_service.create_proposal(
            session,
            data=ProposalCreate(
                title=f"提案{n}", co_author_ids=[co_author.id] if with_co_author else []
            ),
            user=author if n % 3 else readers["outsider"],
        )
        proposal.status = status.value
        proposal.department_id = department_id
        proposal.submitted_at = utcnow() if submitted else None
        session.add(proposal)
        if n % 4 == 0:
            session.add(ReviewAssignment(proposal_id=proposal.id, reviewer_id=reviewer.id))
        if n % 5 < 2:  # recused from some
            recused = utcnow() if n % 5 else None
            session.add(
                ReviewAssignment(proposal_id=proposal.id, reviewer_id=both.id, recused_at=recused)
            )
    session.commit()
    assert session.exec(select(func.count()).select_from(ProposalCoAuthor)).one() > 0

    everything = session.exec(select(Proposal.id)).all()
    for name, user in readers.items():
        visible = set(session.exec(select(Proposal.id).where(visible_clause(user))).all())
        taken: list[int] = []
        for part in visible_parts(user):
            taken += session.exec(select(Proposal.id).where(part)).all()
        assert sorted(taken) == sorted(visible), name  # no overlap, nothing left out
        assert 0 < len(visible) < len(everything) or name == "secretariat", name

        for filters, page in product(
            (ProposalFilters(), ProposalFilters(status=[Status.completed, Status.draft])),
            (
                PageParams(limit=7),
                PageParams(limit=5, offset=9),
                PageParams(offset=10_000),
                PageParams(limit=MAX_LIMIT + 1, offset=3),  # the ledger's whole selection
            ),
        ):
            query = (
                select(Proposal)
                .where(visible_clause(user))
                .where(
                    col(Proposal.status).in_([s.value for s in filters.status])
                    if filters.status
                    else col(Proposal.id).is_not(None)
                )
                .order_by(col(Proposal.updated_at).desc(), col(Proposal.id).desc())
            )
            expected_rows, expected_total = paginate(session, query, page)
            rows, total = list_proposals(session, user=user, filters=filters, page=page)
            assert total == expected_total, name
            assert [p.id for p in rows] == [p.id for p in expected_rows], name
