"""The public open-data page: what the dataset holds, its licence, the downloads and the
data dictionary (from the same field list as the files)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.deps import OptionalPageUser, SettingsDep
from app.htmx import render
from app.services import open_data

router = APIRouter()


@router.get("/open-data")
def open_data_page(request: Request, user: OptionalPageUser, settings: SettingsDep) -> Response:
    """オープンデータ: no login needed."""
    context = {
        "user": user,
        "settings": settings,
        "title": open_data.DATASET_TITLE,
        "statuses": open_data.OPEN_STATUSES,
        "fields": open_data.dictionary(settings),
        "csv_filename": open_data.csv_filename(settings),
    }
    return render(request, "pages/open_data/index.html", context)
