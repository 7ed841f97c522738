"""2. The review policy the settings choose, and 3. who is who."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.config import DEFAULT_AWARDS
from app.models import Proposal, User
from app.models.enums import Role

# == 2. The review policy (from the settings; docs/rules.md) ===================================


@dataclass(frozen=True)
class ReviewPolicy:
    """What the settings decide about review: blind review, the same-department conflict,
    the spread between reviewers' totals that flags 要協議, whether a decision needs a
    completed review, and the awards. One immutable value per app (`app.state.policy`),
    handed to each request's database session (`policy_of`)."""

    blind: bool = True
    exclude_same_department: bool = True
    spread_margin: float = 20.0
    decision_requires_review: bool = True
    awards: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_AWARDS))

    @classmethod
    def from_settings(cls, settings: Any) -> "ReviewPolicy":
        return cls(
            blind=settings.blind_review,
            exclude_same_department=settings.review_exclude_same_department,
            spread_margin=settings.review_spread_margin,
            decision_requires_review=settings.decision_requires_review,
            awards=dict(settings.awards),
        )


def policy_of(session: Any) -> ReviewPolicy:
    """The policy a database session works under: the app puts its own on every session it
    opens (deps.get_session, the CLI); a bare session works under the defaults."""
    return session.info.get("policy") or ReviewPolicy()


def with_policy(session: Any, policy: ReviewPolicy) -> Any:
    session.info["policy"] = policy
    return session


# == 3. Who is who ===========================================================================

Who = Callable[[Proposal, User], bool]


def author(proposal: Proposal, user: User) -> bool:
    """The proposal's author (提案者) alone."""
    return user.id == proposal.author_id


def authors(proposal: Proposal, user: User) -> bool:
    """The author or a co-author (共同提案者)."""
    return proposal.is_author(user.id)


def secretariat(_proposal: Proposal, user: User) -> bool:
    """The secretariat (事務局)."""
    return user.has_role(Role.secretariat)


def finance(_proposal: Proposal, user: User) -> bool:
    """Finance (財政担当)."""
    return user.has_role(Role.finance)


def department_supervisor(proposal: Proposal, user: User) -> bool:
    """A 所属長 of the department the proposal was submitted from."""
    return (
        user.has_role(Role.supervisor)
        and user.department_id is not None
        and user.department_id == proposal.department_id
    )


def implementers(proposal: Proposal, user: User) -> bool:
    """Staff of the implementing department (実施担当課), or the secretariat."""
    department = proposal.implementing_department_id
    in_department = department is not None and user.department_id == department
    return in_department or user.has_role(Role.secretariat)


def assigned_reviewer(_proposal: Proposal, _user: User) -> bool:
    """An assigned reviewer who has not recused: a fact the caller looks up
    (capabilities.Facts), since it needs the database."""
    raise AssertionError("answered from Facts.assigned_reviewer")


WHO_LABELS: dict[Who, str] = {
    author: "the author",
    authors: "the author or a co-author",
    secretariat: "the secretariat",
    finance: "finance",
    department_supervisor: "a supervisor of the proposal's department",
    implementers: "the implementing department or the secretariat",
    assigned_reviewer: "an assigned reviewer who has not recused",
}
