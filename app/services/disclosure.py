"""What a reader may learn of a proposal they are allowed to see (visibility.py decides
whether they see it at all). Every API answer that carries a proposal or its timeline is
built here, so the rules below hold on every endpoint; the pages read the same timeline
and the same `blind` set.

- Blind review (the `blind_review` setting): an assigned reviewer who is not the
  secretariat gets no author, co-author or department — not in the proposal, not behind
  the authors' own events, and not the supervisor who wrote the 所属長意見, who would give
  the department away. Only the fields of ProposalPublic ever leave, so a column added to
  the table (such as `supervisor_opinion_by_id`) is never published by accident.
- Review figures: each reviewer's total and the reasons for recusal are the secretariat's
  alone; the timeline tells everyone else that a review or a recusal happened, not its
  numbers or reasons. The events keep the totals (the audit trail of how a score moved,
  which the Review row, overwritten on each change, cannot give); they are left out when
  read. The proposal's aggregate — score, reviews in, reviewers assigned — is shown to
  others only once the decision is recorded (and hidden again if the review is reopened);
  要協議 (`needs_discussion`), a statement about the individual totals, stays with the
  secretariat.
- Who reviewed (the actor and `reviewer_ids` of review events) is the secretariat's and
  each reviewer's own.
"""

from sqlmodel import Session

from app import rules
from app.models import Proposal, User
from app.models.enums import Role
from app.models.event import EventPublic
from app.models.proposal import ProposalPublic
from app.models.types import id_of
from app.services.events import list_events
from app.services.execution import is_overdue
from app.services.review import blind_proposal_ids
from app.wareki import fiscal_year_label

# Review events: whose actor is hidden from all but the secretariat and the actor.
REVIEW_ACTIONS = ("review", "recuse", "assign-reviewers")
# Event details only the secretariat reads: action → (changes withheld, reason withheld);
# None for "every change".
SECRETARIAT_ONLY: dict[str, tuple[tuple[str, ...] | None, bool]] = {
    "review": (None, False),  # {"total": [before, after]}: one reviewer's total
    "recuse": ((), True),  # the reviewer's reason for stepping aside
    "assign-reviewers": (("reviewer_ids",), False),
}
# What a blind reviewer must not learn from the authors' events: who else wrote it and the
# department it came from (the submit event records it).
BLIND_CHANGES = ("co_author_ids", "department_id")
# The aggregate of the review, shown to all readers once decided.
REVIEW_FIGURES = ("score", "reviews_in", "reviewers_assigned")


def shows_review_figures(proposal: Proposal, user: User) -> bool:
    """The secretariat always; anyone else once the decision is recorded."""
    return user.has_role(Role.secretariat) or proposal.outcome is not None


# The published columns, worked out once (not for every proposal of every list).
_COPIED = tuple(name for name in ProposalPublic.model_fields if name in Proposal.model_fields)


def proposal_view(
    proposal: Proposal, user: User, *, blind: bool, policy: rules.ReviewPolicy
) -> ProposalPublic:
    """The proposal as this user may read it (derived fields included); `blind` when the
    user reviews it blind."""
    return _view(
        proposal,
        user,
        blind=blind,
        facts=rules.Facts(policy=policy),
        secretariat=user.has_role(Role.secretariat),
    )


def _view(
    proposal: Proposal, user: User, *, blind: bool, facts: rules.Facts, secretariat: bool
) -> ProposalPublic:
    # The loaded columns are read from the instance's state (each attribute access through
    # the ORM's descriptor costs more than the rest of the view); one not loaded is loaded.
    state = proposal.__dict__
    data = {name: state[name] if name in state else getattr(proposal, name) for name in _COPIED}
    data.update(
        co_author_ids=proposal.co_author_ids,
        fiscal_year_label=fiscal_year_label(proposal.fiscal_year),
        allowed_actions=[action.value for action in rules.allowed_actions(proposal, user, facts)],
        overdue=is_overdue(proposal),
    )
    if blind:
        data.update(author_id=None, co_author_ids=None, department_id=None)
    if not (secretariat or proposal.outcome is not None):  # shows_review_figures
        data.update(dict.fromkeys(REVIEW_FIGURES))
    if not secretariat:
        data["needs_discussion"] = None
    return ProposalPublic.model_validate(data)


def proposal_views(session: Session, proposals: list[Proposal], user: User) -> list[ProposalPublic]:
    """proposal_view for several proposals, with one lookup of what the user reviews blind
    and of the user's roles."""
    blind = blind_proposal_ids(session, user=user)
    facts = rules.Facts(policy=rules.policy_of(session))
    secretariat = user.has_role(Role.secretariat)
    return [
        _view(p, user, blind=p.id in blind, facts=facts, secretariat=secretariat) for p in proposals
    ]


def event_views(session: Session, *, proposal: Proposal, user: User) -> list[EventPublic]:
    """The timeline, oldest first, as this user may read it."""
    blind = proposal.id in blind_proposal_ids(session, user=user)
    authors = {proposal.author_id, *proposal.co_author_ids}
    secretariat = user.has_role(Role.secretariat)
    shown = []
    for event in list_events(session, proposal_id=id_of(proposal)):
        view = EventPublic.model_validate(event, from_attributes=True)
        if not secretariat:
            if event.action in REVIEW_ACTIONS and event.actor_id != user.id:
                view.actor_id = None
            if event.action in SECRETARIAT_ONLY:
                changes, reason = SECRETARIAT_ONLY[event.action]
                view.changes = (
                    {k: v for k, v in view.changes.items() if k not in changes}
                    if changes is not None
                    else {}
                )
                if reason:
                    view.reason = None
        if blind and (event.actor_id in authors or event.action == "opinion"):
            view.actor_id = None
            view.changes = {k: v for k, v in view.changes.items() if k not in BLIND_CHANGES}
        shown.append(view)
    return shown
