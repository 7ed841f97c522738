"""Reports under /api/v1: the proposal ledger (台帳) for the secretariat as CSV and Excel,
and the open data (no login) as JSON and CSV."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from app.deps import SessionDep, SettingsDep, require_roles
from app.models import User
from app.models.enums import Role
from app.routers.api.proposals import proposal_filters
from app.services import open_data
from app.services.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, to_csv, to_xlsx
from app.services.filetypes import content_disposition
from app.services.ledger import ledger_rows
from app.services.proposals import ProposalFilters
from app.wareki import fiscal_year_label, today_jst

router = APIRouter(tags=["reports"])

# Declared before the filters, so 401/403 win over 422 for bad filter values.
SecretariatUser = Annotated[User, Depends(require_roles(Role.secretariat))]
Filters = Annotated[ProposalFilters, Depends(proposal_filters)]
# Open data may be fetched from any origin and cached briefly; the ledger names people,
# so no cache keeps it.
OPEN = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}
PRIVATE = {"Cache-Control": "no-store"}


class OpenDataField(BaseModel):
    name: str
    label: str
    type: str
    description: str
    example: str


class OpenDataDocument(BaseModel):
    """The open-data JSON: each item has exactly the keys named in `fields`, in order."""

    title: str
    publisher: str
    municipality_code: str
    licence: str
    licence_url: str
    generated_at: str
    statuses: list[str]
    fields: list[OpenDataField]
    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def _ledger_name(filters: ProposalFilters, extension: str) -> str:
    parts = ["提案台帳"]
    if filters.fiscal_year is not None:
        parts.append(fiscal_year_label(filters.fiscal_year))
    parts.append(today_jst().isoformat())
    return "_".join(parts) + f".{extension}"


@router.get("/exports/proposals.csv", response_class=Response)
def export_ledger_csv(user: SecretariatUser, session: SessionDep, filters: Filters) -> Response:
    """The proposal ledger (台帳) as CSV: the proposal list's filters, Japanese headers,
    UTF-8 with BOM and CRLF (secretariat)."""
    headers, rows = ledger_rows(session, user=user, filters=filters)
    return Response(
        to_csv(headers, rows),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(_ledger_name(filters, "csv")),
            **PRIVATE,
        },
    )


@router.get("/exports/proposals.xlsx", response_class=Response)
def export_ledger_xlsx(user: SecretariatUser, session: SessionDep, filters: Filters) -> Response:
    """The proposal ledger (台帳) as Excel, with the same filters and columns as the CSV
    (secretariat)."""
    headers, rows = ledger_rows(session, user=user, filters=filters)
    return Response(
        to_xlsx("提案台帳", headers, rows),
        media_type=XLSX_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(_ledger_name(filters, "xlsx")),
            **PRIVATE,
        },
    )


@router.get("/open-data/proposals.json", response_model=OpenDataDocument)
def read_open_data_json(session: SessionDep, settings: SettingsDep, response: Response) -> dict:
    """Open data, no login: adopted, budgeted, in-progress and completed proposals without
    personal data, with the licence and the data dictionary (`fields`)."""
    response.headers.update(OPEN)
    return open_data.as_json(session, settings)


@router.get("/open-data/proposals.csv", response_class=Response)
def read_open_data_csv(session: SessionDep, settings: SettingsDep) -> Response:
    """Open data, no login, as CSV: Japanese column names as in the data dictionary,
    UTF-8 with BOM and CRLF."""
    return Response(
        open_data.as_csv(session, settings),
        media_type=CSV_MEDIA_TYPE,
        headers={
            "Content-Disposition": content_disposition(open_data.csv_filename(settings)),
            **OPEN,
        },
    )
