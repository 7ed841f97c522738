"""Reading HTML forms into the same schemas the API uses, with per-field Japanese errors."""

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.errors import Invalid
from app.i18n import gettext as _
from app.security import CSRF_FORM_FIELD
from app.validation import field_errors, translate_error

M = TypeVar("M", bound=BaseModel)


def form_values(
    form: FormData,
    *,
    fields: tuple[str, ...],
    lists: tuple[str, ...] = (),
    checkboxes: tuple[str, ...] = (),
    optional: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The named fields of a form as a dict: lists as lists, checkboxes as booleans, and
    empty optional fields left out (so they take the schema's default or stay unchanged)."""
    data: dict[str, Any] = {}
    for name in fields:
        if name == CSRF_FORM_FIELD:
            continue
        if name in lists:
            data[name] = [v for v in form.getlist(name) if isinstance(v, str) and v]
        elif name in checkboxes:
            data[name] = name in form
        else:
            value = form.get(name)
            value = value if isinstance(value, str) else None
            if name in optional and (value is None or value.strip() == ""):
                data[name] = None
            elif value is not None:
                data[name] = value
    return data


def validate(model: type[M], data: dict[str, Any]) -> tuple[M | None, dict[str, str]]:
    """The model, or None and the errors by field."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        return None, field_errors(exc)


def invalid_errors(exc: Invalid) -> dict[str, str]:
    """A service's Invalid error as form errors by field."""
    if not exc.errors:
        return {"__all__": _(exc.detail, **exc.params)}
    result: dict[str, str] = {}
    for error in map(translate_error, exc.errors):
        loc = [part for part in error["loc"] if part != "body"]
        result.setdefault(str(loc[0]) if loc else "__all__", error["msg"])
    return result


def form_version(form: FormData) -> int | None:
    """The version the form was rendered at (its hidden `version` field), for If-Match."""
    value = form.get("version")
    return int(value) if isinstance(value, str) and value.isdigit() else None
