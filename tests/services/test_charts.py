"""app/services/charts.py: bar geometry against hand-computed widths, empty and zero data,
escaping of labels, well-formed XML and the accessible names."""

import xml.etree.ElementTree as ET

import pytest

from app.services.charts import (
    Bar,
    Series,
    bar_chart,
    bar_width,
    grouped_bar_chart,
    rate_bar,
    shorten,
    text_width,
)

NS = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{NS}rect") if "chart__bar" in r.get("class", "").split()]


def texts(root: ET.Element, cls: str) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text") if t.get("class") == cls]


def test_bar_widths_are_proportional_to_the_values() -> None:
    # width 600, labels 92 → the plot starts at 92 + 8 = 100 and ends 100 before the edge
    # (room for the values): 400 wide; 10 is the largest, so 10 → 400, 5 → 200, 2.5 → 100
    root = parse(
        bar_chart(
            chart_id="c",
            title="件数",
            desc="説明",
            bars=[Bar("a", 10), Bar("b", 5), Bar("c", 2.5), Bar("d", 0)],
            width=600,
            label_width=92,
            value_width=100,
        )
    )
    assert [b.get("width") for b in bars(root)] == ["400", "200", "100", "0"]
    assert {b.get("x") for b in bars(root)} == {"100"}
    assert texts(root, "chart__value") == ["10", "5", "2.5", "0"]
    # each value is printed just after its bar
    value_x = [t.get("x") for t in root.iter(f"{NS}text") if t.get("class") == "chart__value"]
    assert value_x == ["504", "304", "204", "104"]


def test_a_fixed_maximum_scales_rates() -> None:
    root = parse(
        bar_chart(
            chart_id="r", title="率", desc="d", bars=[Bar("x", 0.5, "50.0%")],
            max_value=1, width=600, label_width=92, value_width=100,
        )
    )  # fmt: skip
    assert bars(root)[0].get("width") == "200"
    assert texts(root, "chart__value") == ["50.0%"]


def test_the_value_labels_get_room_after_the_longest_bar() -> None:
    # "1,234,567円": 9 half-width (× 7.8) + 1 full-width (13) = 83.2, + 10 → 93.2 kept
    root = parse(
        bar_chart(
            chart_id="v", title="t", desc="d", bars=[Bar("a", 5, "1,234,567円")],
            width=600, label_width=92,
        )
    )  # fmt: skip
    assert bars(root)[0].get("width") == "406.8"  # 600 - 100 - 93.2


def test_bar_width_edge_cases() -> None:
    assert bar_width(3, 0, 400) == 0  # all zero: no division by zero
    assert bar_width(-5, 10, 400) == 0  # negative drawn empty
    assert bar_width(20, 10, 400) == 400  # above a fixed maximum: capped
    assert bar_width(1, 3, 400) == 133.33


def test_all_zero_values_draw_empty_bars_with_their_labels() -> None:
    root = parse(bar_chart(chart_id="z", title="t", desc="d", bars=[Bar("a", 0), Bar("b", 0)]))
    assert [b.get("width") for b in bars(root)] == ["0", "0"]
    assert texts(root, "chart__label") == ["a", "b"]


def test_no_data_says_so() -> None:
    root = parse(bar_chart(chart_id="e", title="空", desc="d", bars=[]))
    assert bars(root) == []
    assert texts(root, "chart__empty") == ["データがありません"]
    grouped = parse(grouped_bar_chart(chart_id="g", title="t", desc="d", categories=[], series=[]))
    assert bars(grouped) == [] and texts(grouped, "chart__empty") == ["データがありません"]


def test_labels_and_titles_are_escaped_and_the_xml_is_well_formed() -> None:
    nasty = '<script>alert("x")</script> & 課'
    markup = str(
        bar_chart(chart_id="x", title=nasty, desc=nasty, bars=[Bar(nasty, 1, nasty)])
        + grouped_bar_chart(
            chart_id="y", title=nasty, desc=nasty, categories=[nasty],
            series=[Series(nasty, [1], [nasty])],
        )
        + rate_bar(chart_id="z", title=nasty, desc=nasty, rate=0.5, text=nasty)
    )  # fmt: skip
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    for svg in markup.split("</svg>")[:-1]:
        root = parse(svg + "</svg>")
        assert root.get("aria-label") == nasty
        assert root.find(f"{NS}title").text == nasty
        assert root.find(f"{NS}desc").text == nasty


def test_the_svg_is_an_accessible_image() -> None:
    root = parse(bar_chart(chart_id="acc", title="状態別", desc="説明文", bars=[Bar("a", 1)]))
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img" and root.get("aria-label") == "状態別"
    assert root.get("aria-describedby") == "acc-desc"
    assert root.find(f"{NS}title").get("id") == "acc-title"
    # every bar has its own tooltip naming the row and the value
    assert [g.find(f"{NS}title").text for g in root.iter(f"{NS}g")] == ["a: 1"]


def test_grouped_bars_differ_by_pattern_and_have_a_text_legend() -> None:
    root = parse(
        grouped_bar_chart(
            chart_id="fx", title="効果", desc="d", categories=["時間", "金額"],
            series=[Series("見込み", [100, 40]), Series("実績", [50, 0], ["50h", "0h"]),
                    Series("目標", [25, 10])],
            width=600, label_width=92, value_width=100,
        )
    )  # fmt: skip
    drawn = bars(root)
    assert len(drawn) == 6
    assert [b.get("class").split()[1] for b in drawn] == [
        "chart__bar--solid", "chart__bar--hatch", "chart__bar--dots",
    ] * 2  # fmt: skip
    # one scale for all series: 100 → 400
    assert [b.get("width") for b in drawn] == ["400", "200", "100", "160", "0", "40"]
    assert drawn[1].get("fill") == "url(#fx-hatch)" and drawn[2].get("fill") == "url(#fx-dots)"
    ids = {p.get("id") for p in root.iter(f"{NS}pattern")}
    assert ids == {"fx-hatch", "fx-dots"}
    legend = root.find(f"{NS}g[@class='chart__legend']")
    assert [t.text for t in legend.iter(f"{NS}text")] == ["見込み", "実績", "目標"]
    assert texts(root, "chart__value") == [
        "見込み 100", "実績 50h", "目標 25", "見込み 40", "実績 0h", "目標 10",
    ]  # fmt: skip


def test_a_series_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError):
        grouped_bar_chart(
            chart_id="w", title="t", desc="d", categories=["a", "b"], series=[Series("s", [1])]
        )


def test_rate_bar_fills_its_share_of_the_track() -> None:
    root = parse(rate_bar(chart_id="r", title="採用率", desc="d", rate=0.6, text="60.0%"))
    track = root.find(f"{NS}rect[@class='chart__track']")
    assert track.get("width") == "230"  # 320 wide, 90 kept for the text
    assert bars(root)[0].get("width") == "138"  # 60 % of 230
    assert texts(root, "chart__value") == ["60.0%"]
    undefined = parse(rate_bar(chart_id="u", title="t", desc="d", rate=None, text="—"))
    assert bars(undefined)[0].get("width") == "0" and texts(undefined, "chart__value") == ["—"]


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip() -> None:
    label = "自治体の情報システムの標準化・共通化とガバメントクラウドへの移行"
    assert text_width("課") == 13 and text_width("a") == pytest.approx(7.8)
    short = shorten(label, 100)
    assert short.endswith("…") and text_width(short) <= 100
    assert shorten("短い", 100) == "短い"
    root = parse(
        bar_chart(chart_id="l", title="t", desc="d", bars=[Bar(label, 1)], label_width=100)
    )
    assert texts(root, "chart__label") == [short]
    assert root.find(f"{NS}g/{NS}title").text == f"{label}: 1"
