"""Review: the rubric (versioned), reviewer assignments, reviews and notifications."""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import WithJsonSchema, field_validator
from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.i18n import N_
from app.models.page import Page
from app.models.proposal import ProposalPublic
from app.models.types import Id, ModelConfig, NonBlankLine, ReasonText, Text, UTCDateTime, utcnow

LEVELS = 5
CODE = re.compile(r"[a-z][a-z0-9_]*")
# The code as the schema states it: the same shape, with the spaces a line may be trimmed of
# (NonBlankLine refuses control characters and line breaks).
CODE_PATTERN = r"^[^\S\x00-\x1f\x7f-\x9f]*[a-z][a-z0-9_]*[^\S\x00-\x1f\x7f-\x9f]*$"


class RubricVersion(SQLModel, table=True):
    """One edition of the rubric; reviews point at the edition they were made on."""

    __tablename__ = "rubric_version"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    is_current: bool = Field(default=False, index=True)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RubricCriterion(SQLModel, table=True):
    __tablename__ = "rubric_criterion"
    __table_args__ = (UniqueConstraint("rubric_version_id", "code"),)

    id: int | None = Field(default=None, primary_key=True)
    rubric_version_id: int = Field(foreign_key="rubric_version.id", index=True)
    position: int
    code: str = Field(max_length=30)
    label: str = Field(max_length=100)
    weight: int
    description: str = Field(default="", sa_type=SAText)
    # The texts for levels 1–5, in that order.
    levels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ReviewAssignment(SQLModel, table=True):
    __tablename__ = "review_assignment"
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    reviewer_id: int = Field(foreign_key="user.id", index=True)
    assigned_by_id: int | None = Field(default=None, foreign_key="user.id")
    assigned_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # False once the secretariat took the reviewer off; their review then stops counting.
    active: bool = Field(default=True)
    recused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    recusal_reason: str | None = Field(default=None, sa_type=SAText)


class Review(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("proposal_id", "reviewer_id"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    reviewer_id: int = Field(foreign_key="user.id", index=True)
    rubric_version_id: int = Field(foreign_key="rubric_version.id")
    scores: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    comment: str = Field(default="", sa_type=SAText)
    total: float
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Notification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    kind: str = Field(max_length=40)
    # As written in Japanese when it was made (the mail's subject); a page or the API shows
    # `title_message` % `title_params` in the reader's language (notifications.title_of).
    title: str = Field(max_length=300)
    title_message: str = Field(default="", max_length=300)
    title_params: dict = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    body: str = Field(default="", sa_type=SAText)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Waiting for the day's digest mail (its user's setting was "daily" when it was made).
    digest_pending: bool = Field(default=False, index=True)


# -- schemas ----------------------------------------------------------------------------------


class CriterionIn(SQLModel):
    model_config = ModelConfig(extra="forbid")

    code: NonBlankLine = Field(
        max_length=30, schema_extra={"json_schema_extra": {"pattern": CODE_PATTERN}}
    )
    label: NonBlankLine = Field(max_length=100)
    weight: int = Field(ge=1, le=100)
    description: Text = Field(default="", max_length=2000)
    levels: list[Text] = Field(min_length=LEVELS, max_length=LEVELS)

    @field_validator("code")
    @classmethod
    def _code_shape(cls, code: str) -> str:
        if not CODE.fullmatch(code):
            raise ValueError(N_("コードは英小文字で始まる英小文字・数字・_ にしてください。"))
        return code


class RubricIn(SQLModel):
    model_config = ModelConfig(extra="forbid")

    criteria: list[CriterionIn] = Field(min_length=1, max_length=20)

    @field_validator("criteria")
    @classmethod
    def _weights_and_codes(cls, criteria: list[CriterionIn]) -> list[CriterionIn]:
        if sum(c.weight for c in criteria) != 100:
            raise ValueError(N_("重みの合計は100にしてください。"))
        if len({c.code for c in criteria}) != len(criteria):
            raise ValueError(N_("評価項目のコードが重複しています。"))
        return criteria


class CriterionPublic(SQLModel):
    code: str
    label: str
    weight: int
    description: str
    levels: list[str]


class ReviewersIn(SQLModel):
    model_config = ModelConfig(extra="forbid")
    reviewer_ids: list[Id] = Field(max_length=20)


class ReviewIn(SQLModel):
    model_config = ModelConfig(extra="forbid")
    # Checked against the current rubric by the service (every criterion, integers 1–5,
    # each its own Japanese message); the schema says the same of each value.
    scores: dict[
        str, Annotated[Any, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 5})]
    ]
    comment: Text = Field(default="", max_length=10_000)


class RecuseIn(SQLModel):
    model_config = ModelConfig(extra="forbid")
    reason: ReasonText = Field(max_length=10_000)


class ReviewPublic(SQLModel):
    reviewer_id: int
    reviewer_name: str | None = None
    rubric_version: int
    scores: dict[str, int]
    comment: str
    total: float
    updated_at: datetime


class NotificationPublic(SQLModel):
    id: int
    kind: str
    proposal_id: int | None
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class AssignedProposal(ProposalPublic):
    """An entry of the reviewer's queue (審査待ち): the proposal and the caller's own total."""

    my_total: float | None


class RankedProposal(ProposalPublic):
    """An entry of the ranking: the proposal, where its scoring stands and its place
    (1 = best score) among those whose scoring is complete; null while it is not."""

    rank: int | None
    scoring: Literal["complete", "incomplete", "unassigned"] = Field(
        description="complete: every assigned reviewer has scored (ranked); incomplete: "
        "reviewers still to score (not ranked); unassigned: no reviewer assigned yet"
    )


class RubricPublic(Page[CriterionPublic]):
    """The current rubric: its criteria and the rubric's version number."""

    version: int


class AwardPublic(SQLModel):
    code: str
    label: str


class ReviewerPublic(SQLModel):
    """An assigned reviewer (recused ones included, with when and why)."""

    reviewer_id: int
    name: str
    assigned_at: datetime
    recused_at: datetime | None
    recusal_reason: str | None
    reviewed: bool


class SkippedPairing(SQLModel):
    """A reviewer not assigned to a proposal of the round, and the conflict why."""

    proposal_id: int
    reviewer_id: int
    reason: str
    name: str


class RoundAssignment(SQLModel):
    """What POST /rounds/{id}/reviewers did: proposals seen, assignments made, skips."""

    proposals: int
    assigned: int
    skipped: list[SkippedPairing]


class CriterionMean(SQLModel):
    """One criterion's mean level over the counted reviews (secretariat only)."""

    code: str
    label: str
    weight: int
    mean: float | None
    count: int


class ReviewsPublic(Page[ReviewPublic]):
    """The reviews the caller may read, with the aggregate as the proposal shows it."""

    score: float | None
    reviews_in: int | None
    reviewers_assigned: int | None
    needs_discussion: bool | None
    breakdown: list[CriterionMean]


class NotificationsPage(Page[NotificationPublic]):
    """The caller's notifications and how many are unread."""

    unread: int
