"""Users (職員) and the roles they hold."""

import re
import unicodedata
from datetime import datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, ValidationInfo, field_validator
from pydantic import Field as SchemaField
from sqlalchemy import ForeignKey, String
from sqlmodel import Column, Field, Relationship, SQLModel

from app.i18n import N_
from app.models.enums import EmailSetting, EmploymentType, Role
from app.models.types import (
    Email,
    Id,
    Line,
    ModelConfig,
    NonBlankLine,
    UTCDateTime,
    no_null_defaults,
    utcnow,
)
from app.passwords import MAX_LENGTH, MIN_LENGTH, password_problem

# 職員番号: the personnel system's number, the key of the roster import (API.md). Letters,
# digits and hyphens; stored in upper case and half-width, so 「ａ０１２」 and "A012" are
# one number (sign-in accepts it in any case).
EMPLOYEE_NUMBER_MAX = 20
EMPLOYEE_NUMBER_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z-]{0,19}$"
_EMPLOYEE_NUMBER = re.compile(r"[0-9A-Z][0-9A-Z-]{0,19}")
BAD_EMPLOYEE_NUMBER = N_("職員番号は英数字とハイフン（20文字以内）で入力してください。")


def normalise_employee_number(value: str) -> str:
    """Half-width, upper case, trimmed; ValueError (a Japanese msgid) when not a number."""
    value = unicodedata.normalize("NFKC", value).strip().upper()
    if not _EMPLOYEE_NUMBER.fullmatch(value):
        raise ValueError(BAD_EMPLOYEE_NUMBER)
    return value


def _employee_number(value: Any) -> Any:
    return normalise_employee_number(value) if isinstance(value, str) else value


EmployeeNumber = Annotated[
    str,
    BeforeValidator(_employee_number),
    SchemaField(
        description="職員番号 (letters, digits and hyphens; stored in upper case)",
        json_schema_extra={"pattern": EMPLOYEE_NUMBER_PATTERN, "maxLength": EMPLOYEE_NUMBER_MAX},
    ),
]


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    # Set at flush by User.role_rows, like a primary key (rows are built without it).
    user_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    )
    role: str = Field(sa_column=Column(String(20), primary_key=True))
    user: "User" = Relationship(back_populates="role_rows")


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    employee_number: str | None = Field(
        default=None, max_length=EMPLOYEE_NUMBER_MAX, unique=True, index=True
    )
    name: str = Field(max_length=100)
    name_kana: str | None = Field(default=None, max_length=100)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    position: str | None = Field(default=None, max_length=50)
    employment_type: str = Field(default=EmploymentType.regular.value, max_length=30)
    is_active: bool = Field(default=True)
    # Whether notices are also mailed: immediate, daily (one digest a day) or off.
    notification_email: str = Field(default="immediate", max_length=10)
    # "" until a password is set (an imported user): verify_password refuses it always.
    password_hash: str = Field(max_length=255)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    role_rows: list[UserRole] = Relationship(
        back_populates="user",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"},
    )

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def roles(self) -> list[str]:
        """Role strings in the canonical order; everyone is `staff`."""
        held = {row.role for row in self.role_rows} | {Role.staff.value}
        return [role.value for role in Role if role.value in held]

    def has_role(self, *roles: Role | str) -> bool:
        # Called a score of times for every proposal shown (its allowed actions): no set,
        # no list, no sort. Role is a StrEnum, so a member equals its stored string.
        if Role.staff in roles:
            return True
        return any(row.role in roles for row in self.role_rows)


# The policy's bounds, shown in the schema; the policy itself (app/passwords.py) gives the
# Japanese message for these and for what a schema cannot say.
Password = Annotated[
    str, SchemaField(json_schema_extra={"minLength": MIN_LENGTH, "maxLength": MAX_LENGTH})
]


def check_password(value: str, email: str | None = None) -> str:
    """The password policy (app/passwords.py); the message is a Japanese msgid."""
    problem = password_problem(value, email)
    if problem is not None:
        raise ValueError(problem)
    return value


class UserCreate(SQLModel):
    model_config = ModelConfig(extra="forbid")

    email: Email
    employee_number: EmployeeNumber | None = None
    name: NonBlankLine = Field(max_length=100)
    name_kana: Line | None = Field(default=None, max_length=100)
    password: Password
    department_id: Id | None = None
    position: Line | None = Field(default=None, max_length=50)
    employment_type: EmploymentType = EmploymentType.regular
    roles: list[Role] = Field(default_factory=lambda: [Role.staff])
    is_active: bool = True

    @field_validator("password")
    @classmethod
    def _check_password(cls, value: str, info: ValidationInfo) -> str:
        return check_password(value, info.data.get("email"))


class UserUpdate(SQLModel):
    """PATCH: only the fields sent change. The 職員番号, reading, department and position
    may be cleared with null; the rest may be left out but not set to null."""

    model_config = ModelConfig(extra="forbid", json_schema_extra=no_null_defaults)
    # `Field(default=None)` where null is refused: the field may be left out, but None is
    # not a value of its type.
    email: Email = Field(default=None)
    employee_number: EmployeeNumber | None = None
    name: NonBlankLine = Field(default=None, max_length=100)
    name_kana: Line | None = Field(default=None, max_length=100)
    password: Password = Field(default=None)
    department_id: Id | None = None
    position: Line | None = Field(default=None, max_length=50)
    employment_type: EmploymentType = Field(default=None)
    roles: list[Role] = Field(default=None)
    is_active: bool = Field(default=None)

    @field_validator("password")
    @classmethod
    def _check_password(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The stored e-mail is checked by the service when this one is not being changed.
        return None if value is None else check_password(value, info.data.get("email"))


class UserPublic(SQLModel):
    id: int
    email: str
    employee_number: str | None
    name: str
    name_kana: str | None
    department_id: int | None
    position: str | None
    employment_type: str
    roles: list[str]
    is_active: bool
    has_password: bool = Field(description="false until a password is set (imported users)")
    version: int
    created_at: datetime
    updated_at: datetime


class UserMe(SQLModel):
    id: int
    email: str
    name: str
    department_id: int | None
    roles: list[str]
    position: str | None
    employment_type: str


class NotificationSettings(SQLModel):
    """How notices reach the person beyond the app (API.md "E-mail notifications")."""

    model_config = ModelConfig(extra="forbid")

    email: EmailSetting = SchemaField(
        description="immediate: each notice mailed; daily: one digest a day; off: no mail"
    )
