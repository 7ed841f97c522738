"""名簿の取込 (人事異動): the admin uploads the personnel system's CSV, sees what it would
change (a dry run of app/services/roster.py), then applies it.

The previewed file travels back with the apply form in hidden fields (base64, in chunks
below the form parser's size for one field), so what is applied is the file that was
previewed, with the same choice of deactivating absent staff, with or without script.
The apply runs every check again: the answer shows what was really done."""

import base64
import binascii
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from app.deps import AdminPageUser, SessionDep
from app.errors import InvalidTransition, PayloadTooLarge
from app.htmx import render
from app.i18n import N_
from app.i18n import gettext as _
from app.models.types import id_of
from app.services import departments as departments_service
from app.services import roster as roster_service
from app.services.roster import ImportResult
from app.templating import employment_type_label

router = APIRouter(prefix="/admin/users/import")
TEMPLATE = "pages/admin/roster_import.html"
CHUNK = 512 * 1024  # characters of base64 per hidden field (the parser allows 1 MB each)
NO_FILE = N_("CSV ファイルを選んでください。")
FILE_LOST = N_("確認した名簿を読み取れません。もう一度ファイルを選んでください。")

FIELD_LABELS: dict[str, str] = {
    "employee_number": N_("職員番号"),
    "name": N_("氏名"),
    "name_kana": N_("フリガナ"),
    "email": N_("メールアドレス"),
    "department_id": N_("所属"),
    "position": N_("役職"),
    "employment_type": N_("雇用形態"),
    "is_active": N_("在職"),
}
CHANGE_LABELS: dict[str, str] = {
    "created": N_("新規登録"),
    "updated": N_("更新"),
    "deactivated": N_("無効化（退職等）"),
}


def _value(name: str, value: Any, department_names: dict[int, str]) -> str:
    if value is None:
        return "—"
    if name == "department_id":
        return department_names.get(value, str(value))
    if name == "employment_type":
        return employment_type_label(value)
    if name == "is_active":
        return _("在職") if value else _("退職・無効")
    return str(value)


def _context(session: SessionDep, result: ImportResult | None = None, **extra) -> dict:
    """The page's context; the result's changes as rows of labelled old → new values."""
    context: dict[str, Any] = {
        "result": result,
        "changes": [],
        "departments": [],
        "errors": [],
        "error": None,
        "content_chunks": [],
        "deactivate_missing": False,
        "applied": False,
        "header": ",".join(roster_service.HEADER),
        "max_rows": roster_service.MAX_ROWS,
        "max_megabytes": roster_service.MAX_BYTES // (1024 * 1024),
        **extra,
    }
    if result is None:
        return context
    names = {id_of(d): d.name for d in departments_service.all_departments(session)}
    names.update({d.id: d.new_name for d in result.departments if d.id is not None})
    context["departments"] = result.departments
    context["errors"] = [{"line": e.line, "message": _(e.msg, **e.params)} for e in result.errors]
    context["changes"] = [
        {
            "employee_number": change.employee_number,
            "name": change.name,
            "kind": change.change,
            "label": _(CHANGE_LABELS[change.change]),
            "fields": [
                (
                    _(FIELD_LABELS[name]),
                    _value(name, old, names),
                    _value(name, new, names),
                )
                for name, (old, new) in change.fields.items()
            ],
        }
        for change in result.changes
    ]
    return context


def _checked(form: FormData, name: str) -> bool:
    return form.get(name) in ("1", "true", "on")


def _run(
    request: Request,
    session: SessionDep,
    admin,
    *,
    data: bytes,
    deactivate_missing: bool,
    dry_run: bool,
) -> Response:
    try:
        result = roster_service.import_roster(
            session,
            data=data,
            actor=admin,
            dry_run=dry_run,
            deactivate_missing=deactivate_missing,
        )
    except (PayloadTooLarge, InvalidTransition) as exc:
        context = _context(session, error=_(exc.detail, **exc.params))
        return render(request, TEMPLATE, context, status_code=exc.status_code)
    encoded = base64.b64encode(data).decode("ascii")
    context = _context(
        session,
        result,
        deactivate_missing=deactivate_missing,
        applied=result.applied,
        content_chunks=[encoded[i : i + CHUNK] for i in range(0, len(encoded), CHUNK)],
    )
    return render(request, TEMPLATE, context, status_code=422 if result.errors else 200)


@router.get("")
def roster_import_page(request: Request, session: SessionDep, _admin: AdminPageUser) -> Response:
    """名簿の取込: the upload form."""
    return render(request, TEMPLATE, _context(session))


@router.post("")
async def preview_roster(request: Request, session: SessionDep, admin: AdminPageUser) -> Response:
    """Read the uploaded roster and show what it would change (nothing is written)."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, TEMPLATE, _context(session, error=_(NO_FILE)), status_code=422)
    data = await upload.read(roster_service.MAX_BYTES + 1)
    deactivate = _checked(form, "deactivate_missing")
    return _run(request, session, admin, data=data, deactivate_missing=deactivate, dry_run=True)


@router.post("/apply")
async def apply_roster(request: Request, session: SessionDep, admin: AdminPageUser) -> Response:
    """Apply the roster that was previewed."""
    form = await request.form()
    chunks = [c for c in form.getlist("content") if isinstance(c, str)]
    try:
        data = base64.b64decode("".join(chunks), validate=True)
    except (binascii.Error, ValueError):
        data = b""
    if not data:
        return render(request, TEMPLATE, _context(session, error=_(FILE_LOST)), status_code=422)
    deactivate = _checked(form, "deactivate_missing")
    return _run(request, session, admin, data=data, deactivate_missing=deactivate, dry_run=False)
