"""Every CSV and Excel export defuses text a spreadsheet would run as a formula."""

import io

from openpyxl import load_workbook

from app.services.exports import to_csv, to_xlsx

ROWS = [['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "通常の件名", -3, 1200, None]]


def test_csv_defuses_formulas_and_leaves_numbers() -> None:
    text = to_csv(["a", "b", "c", "d", "e", "f", "g", "h"], ROWS).decode("utf-8")
    assert text == (
        "\ufeffa,b,c,d,e,f,g,h\r\n"
        '"\'=HYPERLINK(""http://x"")",\'+1,\'-2,\'@SUM(A1),通常の件名,-3,1200,\r\n'
    )


def test_xlsx_defuses_formulas() -> None:
    data = to_xlsx("台帳", ["a", "b", "c", "d", "e", "f", "g", "h"], ROWS)
    sheet = load_workbook(io.BytesIO(data)).active
    values = [cell.value for cell in sheet[2]]
    assert values == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "通常の件名",
        -3,
        1200,
        None,
    ]
    assert all(cell.data_type != "f" for cell in sheet[2])
