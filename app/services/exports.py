"""Tabular exports for Excel users: CSV (UTF-8 with BOM, CRLF, Japanese headers) and
.xlsx (openpyxl), from one list of rows so both files always agree."""

import csv
import io
from collections.abc import Sequence
from typing import Any

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell starting with one of these is a formula to Excel (CSV injection, CWE-1236); such
# text is written with a leading apostrophe, as OWASP recommends. Every export goes through
# to_csv / to_xlsx, so every export is defused.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, defused with a leading quote;
    anything else unchanged (so applying it twice changes nothing more)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if value is None else spreadsheet_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    # Imported here: a worker that never exports does not carry openpyxl (about 5 MB).
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):  # a new workbook's one sheet
        raise TypeError("a new workbook has no worksheet")
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        sheet.append([spreadsheet_safe(value) for value in row])
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        values = [len(str(header)) * 2] + [
            len(str(sheet.cell(row=r, column=index).value or ""))
            for r in range(2, sheet.max_row + 1)
        ]
        sheet.column_dimensions[get_column_letter(index)].width = min(60, max(10, max(values) + 2))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
