"""ダッシュボード: the fiscal year's figures with charts drawn on the server, for every
signed-in user — a thin handler around stats.compute (through dashboard_view)."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.routing import NoMatchFound

from app.deps import PageUser, SessionDep, SettingsDep
from app.htmx import render
from app.i18n import N_
from app.i18n import gettext as _
from app.models import User
from app.models.enums import Role
from app.presenters import dashboard_view
from app.services.small_groups import threshold_for

router = APIRouter()
FiscalYearText = Annotated[str | None, Query(max_length=10)]

# Where the published data lives, by route name: linked when the app serves them (open data
# for everyone, the ledger (台帳) for the secretariat).
OPEN_DATA = (
    ("open_data_page", N_("オープンデータ")),
    ("read_open_data_csv", N_("オープンデータ（CSV）")),
    ("read_open_data_json", N_("オープンデータ（JSON）")),
)
LEDGER = (
    ("export_ledger_xlsx", N_("提案台帳（Excel）")),
    ("export_ledger_csv", N_("提案台帳（CSV）")),
)


def data_links(request: Request, user: User) -> list[tuple[str, str]]:
    """(address, label) of the open data and, for the secretariat, the ledger."""
    wanted = [*OPEN_DATA, *(LEDGER if user.has_role(Role.secretariat) else ())]
    links = []
    for name, label in wanted:
        try:
            links.append((str(request.app.url_path_for(name)), _(label)))
        except NoMatchFound:
            continue
    return links


@router.get("/dashboard")
def dashboard_page(
    request: Request,
    session: SessionDep,
    user: PageUser,
    settings: SettingsDep,
    fiscal_year: FiscalYearText = None,
) -> Response:
    """The fiscal year's figures: proposals by status, initiative, department and kind,
    rates, budget, effects and days per stage (422 page for an absurd year); small
    departments shown together as 「その他」 to all but the secretariat."""
    view = dashboard_view.roll_up(
        session,
        fiscal_year=fiscal_year,
        hourly_cost_yen=settings.hourly_staff_cost_yen,
        merge_below=threshold_for(user, settings.small_group_min_staff),
    )
    context = {
        "view": view,
        "years": dashboard_view.fiscal_year_choices(session, view.fiscal_year),
        "links": data_links(request, user),
        "fmt": dashboard_view,
    }
    return render(request, "pages/dashboard/index.html", context)
