"""Open data (オープンデータ): the adopted and carried-out proposals, without personal data,
as JSON and CSV for anyone, and the data dictionary the /open-data page shows.

FIELDS is the single source of truth: the JSON items' keys, the CSV columns (in the same
order) and the dictionary all come from it, so they cannot drift apart.

What is published, and why nothing personal can slip in: a row is built only from the
fields below, each reading one non-personal column or the name of a department or DX
initiative. No user id, name or e-mail, nothing from reviews (scores, comments, reviewers),
no reasons, reports, opinions, awards or attachments is ever read here. A department
with fewer active staff than SMALL_GROUP_MIN_STAFF is published as 「その他」, as the
proposing and as the implementing department: in a one-person department, naming the
department names the person (small_groups.py).

The CSV follows the 自治体標準オープンデータセット conventions that Japanese open-data
portals expect: UTF-8 with BOM, CRLF, a header row of Japanese column names (項目名), the
全国地方公共団体コード and 地方公共団体名 as the first columns, dates as YYYY-MM-DD and
amounts as plain integers. The JSON uses the English snake_case names of the API.
"""

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from app import rules
from app.config import Settings
from app.i18n import N_
from app.i18n import gettext as _
from app.models import Department, Initiative, Proposal
from app.models.enums import (
    Status,
)
from app.models.types import id_of
from app.services.exports import spreadsheet_safe, to_csv
from app.services.ledger import current_budgets
from app.services.open_data_fields import FIELDS, TYPE_LABELS, Row
from app.services.small_groups import OTHER, active_staff, small_departments
from app.wareki import JST

# The open data publishes what every member of staff may see: adopted and after.
OPEN_STATUSES: tuple[Status, ...] = tuple(s for s in Status if s in rules.PUBLIC)
DATASET_TITLE = N_("職員提案制度 採用・実施状況")


def open_proposals(session: Session) -> list[Proposal]:
    """The published proposals, by fiscal year and number."""
    query = (
        select(Proposal)
        .where(rules.status_in(col(Proposal.status), rules.PUBLIC))
        .order_by(col(Proposal.fiscal_year), col(Proposal.number), col(Proposal.id))
    )
    return list(session.exec(query).all())


def open_rows(session: Session, settings: Settings) -> list[Row]:
    """One Row per published proposal, from five queries whatever their number."""
    proposals = open_proposals(session)
    all_departments = session.exec(select(Department)).all()
    small = small_departments(
        active_staff(session),
        [id_of(d) for d in all_departments],
        min_staff=settings.small_group_min_staff,
    )
    departments = {id_of(d): OTHER if d.id in small else d.name for d in all_departments}
    initiatives = {i.id: i for i in session.exec(select(Initiative)).all()}
    budgets = current_budgets(session, [id_of(p) for p in proposals])
    rows = []
    for p in proposals:
        budget = budgets.get(id_of(p))
        funded = budget is not None and rules.is_in(budget.status, rules.BUDGET_FUNDED)
        approved = budget.approved_yen if budget and funded else None
        rows.append(
            Row(
                proposal=p,
                departments=departments,
                initiative=initiatives.get(p.initiative_id) if p.initiative_id else None,
                approved_yen=approved,
                settings=settings,
            )
        )
    return rows


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def dictionary(settings: Settings, *, translate: bool = True) -> list[dict[str, str]]:
    """The data dictionary: each field's name, column name, type, description and example;
    the descriptions translated for the page, in Japanese for the files."""
    tr = _ if translate else (lambda message: message)
    examples = {
        "municipality_code": settings.open_data_municipality_code,
        "municipality_name": settings.open_data_municipality_name,
    }
    return [
        {
            "name": f.name,
            "label": f.label,
            "type": f.type,
            "type_label": tr(TYPE_LABELS[f.type]),
            "description": tr(f.description),
            "example": examples.get(f.name, f.example),
        }
        for f in FIELDS
    ]


def as_json(session: Session, settings: Settings, *, now: datetime | None = None) -> dict:
    """The JSON document: licence, generation time, the dictionary and the items — in
    Japanese whatever the caller's language, like the CSV."""
    items = [
        {f.name: _json_value(f.value(row)) for f in FIELDS} for row in open_rows(session, settings)
    ]
    generated = (now or datetime.now(JST)).astimezone(JST).replace(microsecond=0)
    return {
        "title": DATASET_TITLE,
        "publisher": settings.open_data_municipality_name,
        "municipality_code": settings.open_data_municipality_code,
        "licence": settings.open_data_licence,
        "licence_url": settings.open_data_licence_url,
        "generated_at": generated.isoformat(),
        "statuses": [s.value for s in OPEN_STATUSES],
        "fields": [
            {k: v for k, v in entry.items() if k != "type_label"}
            for entry in dictionary(settings, translate=False)
        ],
        "items": items,
        "total": len(items),
        "limit": len(items),
        "offset": 0,
    }


def as_csv(session: Session, settings: Settings) -> bytes:
    """The CSV: Japanese column names, then one line per proposal (BOM, CRLF). Text that
    a spreadsheet would take for a formula starts with an apostrophe."""
    rows = [
        [spreadsheet_safe(f.value(row)) for f in FIELDS] for row in open_rows(session, settings)
    ]
    return to_csv([f.label for f in FIELDS], rows)


def csv_filename(settings: Settings) -> str:
    """<全国地方公共団体コード>_<dataset>.csv, as the standard datasets are named."""
    return f"{settings.open_data_municipality_code}_staff_proposals.csv"
