"""Users (職員) and the roles they hold."""

from datetime import datetime

from pydantic import ConfigDict, ValidationInfo, field_validator
from sqlalchemy import ForeignKey, String
from sqlmodel import Column, Field, Relationship, SQLModel

from app.models.enums import EmploymentType, Role
from app.models.types import Email, Line, UTCDateTime, utcnow
from app.passwords import password_problem


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    user_id: int = Field(
        sa_column=Column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    )
    role: str = Field(sa_column=Column(String(20), primary_key=True))
    user: "User" = Relationship(back_populates="role_rows")


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=100)
    name_kana: str | None = Field(default=None, max_length=100)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    position: str | None = Field(default=None, max_length=50)
    employment_type: str = Field(default=EmploymentType.regular.value, max_length=30)
    is_active: bool = Field(default=True)
    password_hash: str = Field(max_length=255)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    role_rows: list[UserRole] = Relationship(
        back_populates="user",
        sa_relationship_kwargs={"cascade": "all, delete-orphan", "lazy": "selectin"},
    )

    @property
    def roles(self) -> list[str]:
        """Role strings in the canonical order; everyone is `staff`."""
        held = {row.role for row in self.role_rows} | {Role.staff.value}
        return [role.value for role in Role if role.value in held]

    def has_role(self, *roles: Role | str) -> bool:
        held = set(self.roles)
        return any(str(role) in held for role in roles)


def check_password(value: str, email: str | None = None) -> str:
    """The password policy (app/passwords.py); the message is a Japanese msgid."""
    problem = password_problem(value, email)
    if problem is not None:
        raise ValueError(problem)
    return value


class UserCreate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    name: Line = Field(min_length=1, max_length=100)
    name_kana: Line | None = Field(default=None, max_length=100)
    password: str
    department_id: int | None = None
    position: Line | None = Field(default=None, max_length=50)
    employment_type: EmploymentType = EmploymentType.regular
    roles: list[Role] = Field(default_factory=lambda: [Role.staff])
    is_active: bool = True

    @field_validator("password")
    @classmethod
    def _check_password(cls, value: str, info: ValidationInfo) -> str:
        return check_password(value, info.data.get("email"))


class UserUpdate(SQLModel):
    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    name: Line | None = Field(default=None, min_length=1, max_length=100)
    name_kana: Line | None = Field(default=None, max_length=100)
    password: str | None = None
    department_id: int | None = None
    position: Line | None = Field(default=None, max_length=50)
    employment_type: EmploymentType | None = None
    roles: list[Role] | None = None
    is_active: bool | None = None

    @field_validator("password")
    @classmethod
    def _check_password(cls, value: str | None, info: ValidationInfo) -> str | None:
        # The stored e-mail is checked by the service when this one is not being changed.
        return None if value is None else check_password(value, info.data.get("email"))


class UserPublic(SQLModel):
    id: int
    email: str
    name: str
    name_kana: str | None
    department_id: int | None
    position: str | None
    employment_type: str
    roles: list[str]
    is_active: bool
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
