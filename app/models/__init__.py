"""All tables, imported here so `SQLModel.metadata` (and Alembic) sees every one."""

from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

from app.models.api_key import ApiKey  # noqa: E402
from app.models.attachment import Attachment  # noqa: E402
from app.models.auth_session import AuthSession, LoginThrottle  # noqa: E402
from app.models.budget import BudgetRecord  # noqa: E402
from app.models.department import Department  # noqa: E402
from app.models.event import ProposalEvent  # noqa: E402
from app.models.execution import Milestone, ProgressUpdate, ReminderSent  # noqa: E402
from app.models.idempotency import IdempotencyRecord  # noqa: E402
from app.models.initiative import Initiative  # noqa: E402
from app.models.invitation import Invitation  # noqa: E402
from app.models.proposal import Proposal, ProposalCoAuthor, ProposalCounter  # noqa: E402
from app.models.review import (  # noqa: E402
    Notification,
    Review,
    ReviewAssignment,
    RubricCriterion,
    RubricVersion,
)
from app.models.round import Round  # noqa: E402
from app.models.text import ProposalTerm, ProposalTermCount  # noqa: E402
from app.models.user import User, UserRole  # noqa: E402
from app.models.webhook import Webhook, WebhookDelivery  # noqa: E402

__all__ = [
    "ApiKey",
    "Attachment",
    "AuthSession",
    "BudgetRecord",
    "Department",
    "IdempotencyRecord",
    "Initiative",
    "Invitation",
    "LoginThrottle",
    "Milestone",
    "Notification",
    "ProgressUpdate",
    "Proposal",
    "ProposalCoAuthor",
    "ProposalCounter",
    "ProposalEvent",
    "ProposalTerm",
    "ProposalTermCount",
    "ReminderSent",
    "Review",
    "ReviewAssignment",
    "Round",
    "RubricCriterion",
    "RubricVersion",
    "SQLModel",
    "User",
    "UserRole",
    "Webhook",
    "WebhookDelivery",
]
