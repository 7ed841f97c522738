"""The DX plan's initiatives (取組み事項 1–12), loaded by a migration."""

from sqlalchemy import JSON
from sqlmodel import Column, Field, SQLModel


class Initiative(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    title: str = Field(max_length=200)
    title_en: str = Field(default="", max_length=200)
    summary: str
    schedule: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class InitiativePublic(SQLModel):
    id: int
    number: int
    title: str
    title_en: str
    summary: str
    schedule: list[str]
