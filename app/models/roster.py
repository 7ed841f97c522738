"""The staff roster import's answer (API.md "Staff roster import"); no table of its own."""

from typing import Literal

from pydantic import BaseModel, Field

# A user field's value before or after: text, an id, a flag, or null.
FieldValue = str | int | bool | None


class RosterChange(BaseModel):
    employee_number: str
    change: Literal["created", "updated", "deactivated"]
    fields: dict[str, tuple[FieldValue, FieldValue]] = Field(
        description="the changed fields by their users-API names: [old, new]"
    )


class RosterError(BaseModel):
    line: int = Field(description="the line in the file; the header is line 1")
    loc: tuple[Literal["file"], int]
    msg: str


class RosterImportResult(BaseModel):
    created: int
    updated: int
    deactivated: int
    unchanged: int
    departments_created: int
    changes: list[RosterChange]
    errors: list[RosterError]
