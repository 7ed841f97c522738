"""Departments (課・室): the unit proposals are counted by and carried out in."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.types import Flag, ModelConfig, NonBlankLine, UTCDateTime, utcnow


class DepartmentBase(SQLModel):
    code: NonBlankLine = Field(max_length=20)
    name: NonBlankLine = Field(max_length=100)


class Department(DepartmentBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=100)
    is_active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DepartmentCreate(DepartmentBase):
    model_config = ModelConfig(extra="forbid")
    is_active: Flag = True


class DepartmentUpdate(SQLModel):
    model_config = ModelConfig(extra="forbid")
    code: NonBlankLine | None = Field(default=None, max_length=20)
    name: NonBlankLine | None = Field(default=None, max_length=100)
    is_active: Flag | None = None


class DepartmentPublic(SQLModel):
    id: int
    code: str
    name: str
    is_active: bool
    version: int
