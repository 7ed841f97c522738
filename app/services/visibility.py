"""Who may see a proposal (docs/rules.md), as one SQL condition used for lists and single
reads. Each rule is listed here:

- its authors and co-authors, always;
- everyone, once adopted (`rules.PUBLIC`);
- the secretariat, once it was submitted (drafts and returned proposals stay with the
  authors: `rules.PRIVATE`);
- the supervisors of the department it was submitted from, likewise;
- its assigned reviewers (active, not recused).

Anyone else gets 404, as if it did not exist.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, and_, bindparam, false, or_, true
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from app import rules
from app.errors import NotFound
from app.i18n import N_
from app.models import Proposal, ProposalCoAuthor, ReviewAssignment, User
from app.models.enums import Role
from app.models.types import ID_MAX

NOT_FOUND = N_("指定された提案が見つかりません。")


def _was_submitted() -> ColumnElement[bool]:
    return and_(
        col(Proposal.submitted_at).is_not(None),
        ~rules.status_in(col(Proposal.status), rules.PRIVATE),
    )


def _assigned_to(user_id: Any) -> ColumnElement[bool]:
    assigned = (
        select(ReviewAssignment.proposal_id)
        .where(ReviewAssignment.reviewer_id == user_id)
        .where(col(ReviewAssignment.active).is_(True))
        .where(col(ReviewAssignment.recused_at).is_(None))
    )
    return col(Proposal.id).in_(assigned)


def reviewing_clause(user: User) -> ColumnElement[bool]:
    """The proposals this user is a counted reviewer of."""
    return _assigned_to(user.id)


@dataclass(frozen=True)
class Reader:
    """What decides which sight rules apply to a user: their roles, and whether they have
    a department. Two users of the same kind see by the same condition, with their own id
    and department in it."""

    secretariat: bool
    supervisor: bool
    reviewer: bool

    @classmethod
    def of(cls, user: User) -> "Reader":
        return cls(
            secretariat=user.has_role(Role.secretariat),
            supervisor=user.has_role(Role.supervisor) and user.department_id is not None,
            reviewer=user.has_role(Role.reviewer),
        )


def _visible(reader: Reader, user_id: Any, department_id: Any) -> ColumnElement[bool]:
    """Every sight rule for this kind of reader; `user_id` and `department_id` are values
    or bound parameters."""
    return or_(false(), *_sight_rules(reader, user_id, department_id))


def _sight_rules(reader: Reader, user_id: Any, department_id: Any) -> list[ColumnElement[bool]]:
    co_authored = select(ProposalCoAuthor.proposal_id).where(ProposalCoAuthor.user_id == user_id)
    conditions: list[ColumnElement[bool]] = [
        col(Proposal.author_id) == user_id,
        col(Proposal.id).in_(co_authored),
        rules.status_in(col(Proposal.status), rules.PUBLIC),
    ]
    if reader.secretariat:
        conditions.append(_was_submitted())
    if reader.supervisor:
        conditions.append(and_(_was_submitted(), col(Proposal.department_id) == department_id))
    if reader.reviewer:
        conditions.append(_assigned_to(user_id))
    return conditions


def visible_clause(user: User) -> ColumnElement[bool]:
    return _visible(Reader.of(user), user.id, user.department_id)


def visible_parts(user: User) -> list[ColumnElement[bool]]:
    """visible_clause(user) cut into conditions no two of which hold for the same row, so
    the count of visible rows is the sum of their counts: each an index range, where the OR
    is a scan or a union of row sets."""
    return _parts(Reader.of(user), user.id, user.department_id)


def _parts(reader: Reader, user_id: Any, department_id: Any) -> list[ColumnElement[bool]]:
    """The public statuses come first, alone; each later condition leaves out the rows of
    those before it (`IS NOT true`: a condition that is NULL for a row did not take it)."""
    author, co_author, public, *others = _sight_rules(reader, user_id, department_id)
    conditions = [public, author, co_author, *others]
    return [
        and_(condition, *(earlier.is_not(true()) for earlier in conditions[:i]))
        for i, condition in enumerate(conditions)
    ]


@dataclass(frozen=True)
class Sight:
    """A kind of reader's visibility, with the reader's id and department as the bound
    parameters `reader_id` and `reader_department_id` (`sight_parameters`): built once
    per kind and reused, as _visible_by_id is."""

    clause: ColumnElement[bool]  # visible_clause
    parts: list[ColumnElement[bool]]  # visible_parts


@cache
def sight_of(reader: Reader) -> Sight:
    user_id = bindparam("reader_id", type_=Integer)
    department_id = bindparam("reader_department_id", type_=Integer)
    return Sight(
        clause=_visible(reader, user_id, department_id),
        parts=_parts(reader, user_id, department_id),
    )


def sight_parameters(user: User) -> dict[str, Any]:
    return {"reader_id": user.id, "reader_department_id": user.department_id}


@cache
def _visible_by_id(reader: Reader) -> SelectOfScalar[Proposal]:
    """One proposal by id if visible, with its co-authors (joined: the relationship's own
    loading would be a second query). Built once per kind of reader and reused with the
    request's values as parameters: building a statement and its cache key costs more than
    running it (docs/benchmarks.md)."""
    return (
        select(Proposal)
        .options(joinedload(Proposal.co_author_rows))  # type: ignore[arg-type]
        .where(Proposal.id == bindparam("proposal_id", type_=Integer))
        .where(sight_of(reader).clause)
    )


def facts_for(session: Session, proposal: Proposal, user: User) -> rules.Facts:
    """What the rulebook needs beyond the proposal and the user: the review policy the
    session works under, and whether the user is one of its counted reviewers."""
    assigned = session.exec(
        select(ReviewAssignment.id)
        .where(ReviewAssignment.proposal_id == proposal.id)
        .where(ReviewAssignment.reviewer_id == user.id)
        .where(col(ReviewAssignment.active).is_(True))
        .where(col(ReviewAssignment.recused_at).is_(None))
    ).first()
    return rules.Facts(policy=rules.policy_of(session), assigned_reviewer=assigned is not None)


def capabilities_of(session: Session, proposal: Proposal, user: User) -> rules.Capabilities:
    """What this user may do with this proposal now (rules.capabilities): compute it once
    per request and hand it to every panel."""
    return rules.capabilities(proposal, user, facts_for(session, proposal, user))


def get_visible_proposal(session: Session, *, proposal_id: int, user: User) -> Proposal:
    """The proposal if this user may see it; NotFound (404) otherwise, existing or not
    (also for an id no row can have, which the database would refuse to compare)."""
    if not 1 <= proposal_id <= ID_MAX:
        raise NotFound(NOT_FOUND)
    parameters = {"proposal_id": proposal_id, **sight_parameters(user)}
    proposal = session.exec(_visible_by_id(Reader.of(user)), params=parameters).unique().first()
    if proposal is None:
        raise NotFound(NOT_FOUND)
    return proposal
