"""Validation errors in the shape of API.md ({loc, msg}), with Japanese messages
(translated to the request's locale) for the common pydantic error types."""

from collections.abc import Mapping
from typing import Any, TypeAlias, TypeVar

from pydantic import BaseModel, ValidationError

from app.i18n import N_
from app.i18n import gettext as _

# pydantic error type → Japanese msgid (parameters from the error's ctx).
MESSAGES: dict[str, str] = {
    "missing": N_("必須項目です。"),
    "extra_forbidden": N_("この項目は指定できません。"),
    "string_too_short": N_("%(min_length)s文字以上で入力してください。"),
    "string_too_long": N_("%(max_length)s文字以内で入力してください。"),
    "too_short": N_("%(min_length)s件以上指定してください。"),
    "too_long": N_("%(max_length)s件以内で指定してください。"),
    "string_type": N_("文字列で入力してください。"),
    "int_parsing": N_("整数で入力してください。"),
    "int_type": N_("整数で入力してください。"),
    "int_from_float": N_("整数で入力してください。"),
    "bool_parsing": N_("真偽値（true / false）で入力してください。"),
    "bool_type": N_("真偽値（true / false）で入力してください。"),
    "greater_than": N_("%(gt)sより大きい値を入力してください。"),
    "greater_than_equal": N_("%(ge)s以上の値を入力してください。"),
    "less_than": N_("%(lt)sより小さい値を入力してください。"),
    "less_than_equal": N_("%(le)s以下の値を入力してください。"),
    "enum": N_("次のいずれかを指定してください: %(expected)s"),
    "literal_error": N_("次のいずれかを指定してください: %(expected)s"),
    "list_type": N_("配列で指定してください。"),
    "date_from_datetime_parsing": N_("日付は YYYY-MM-DD の形式で入力してください。"),
    "date_parsing": N_("日付は YYYY-MM-DD の形式で入力してください。"),
    "json_invalid": N_("JSON の形式が正しくありません。"),
    # A lone UTF-16 surrogate ("\ud800") in a JSON string (app/routers/routing.py).
    "string_unicode": N_("文字として読み取れない値（不正なサロゲート）が含まれています"),
    "model_attributes_type": N_("オブジェクトで指定してください。"),
    "dict_type": N_("オブジェクトで指定してください。"),
}
VALIDATION_FAILED = N_("入力内容に誤りがあります。")
M = TypeVar("M", bound=BaseModel)
# A body as its model (the API's, validated by FastAPI after the route's 404/403 gates) or
# as plain values (a page's form, a test's dict) that the service validates after its own
# 404/403 checks with validate_body: `ModelOrValues[MilestoneIn]`.
ModelOrValues: TypeAlias = M | Mapping[str, Any]


def _message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "value_error":
        # Our own validators raise ValueError with a Japanese msgid.
        original = error.get("ctx", {}).get("error")
        return _(str(original)) if original is not None else error.get("msg", "")
    template = MESSAGES.get(kind)
    if template is None:
        return error.get("msg", "")
    params = {key: str(value) for key, value in (error.get("ctx") or {}).items()}
    try:
        return _(template) % params
    except (KeyError, ValueError):
        return error.get("msg", "")


def error_items(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic/FastAPI errors as [{loc, msg}], messages translated."""
    return [{"loc": list(error.get("loc", ())), "msg": _message(error)} for error in errors]


def field_errors(exc: ValidationError) -> dict[str, str]:
    """A form's errors by field name (the first message per field)."""
    result: dict[str, str] = {}
    for error in exc.errors():
        loc = [part for part in error.get("loc", ()) if part != "body"]
        name = str(loc[0]) if loc else "__all__"
        result.setdefault(name, _message(error))
    return result


def translate_error(error: dict[str, Any]) -> dict[str, Any]:
    """A service's {loc, msg, params} error with its message translated."""
    message: str = error["msg"]
    return {"loc": error["loc"], "msg": _(message, **error.get("params", {}))}


def validate_body(model: type[M], raw: Any) -> M:
    """Validates a request body after the 404/403 checks (API.md orders 422 after them);
    raises Invalid with the errors located under `body`."""
    from app.errors import Invalid

    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        errors = [
            {"loc": ["body", *error.get("loc", ())], "msg": _message(error)}
            for error in exc.errors()
        ]
        raise Invalid(VALIDATION_FAILED, errors=errors) from None
