"""The report pages' SVG charts: well-formed, accessible, one mark per figure, every label escaped."""

import xml.etree.ElementTree as ET

from services.intake.entrypoints.charts import (
    NO_DATA,
    Bar,
    Series,
    bar_chart,
    format_number,
    grouped_bar_chart,
    line_chart,
    nice_ceiling,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def marks(root: ET.Element, tag: str, css: str) -> list[ET.Element]:
    return [e for e in root.iter(f"{SVG}{tag}") if css in (e.get("class") or "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in root.iter(f"{SVG}text")]


def test_a_bar_chart_has_one_bar_per_figure_a_title_and_the_reference_marker():
    root = parse(bar_chart("Tỷ lệ tải so với chỉ tiêu", [Bar("Nguyễn Thị Mai", 1.37, True), Bar("Lê Văn Bốn", 0.5),
                                                         Bar("Trần Văn Ba", None)],
                           reference=1.0, reference_label="Chỉ tiêu = 1"))
    assert root.get("role") == "img" and root.get("aria-label") == "Tỷ lệ tải so với chỉ tiêu"
    assert root.find(f"{SVG}title").text == "Tỷ lệ tải so với chỉ tiêu"
    bars = marks(root, "rect", "bar")
    assert len(bars) == 2, "a row without a figure has no bar, only a dash"
    assert [b.find(f"{SVG}title").text for b in bars] == ["Nguyễn Thị Mai: 1,37", "Lê Văn Bốn: 0,5"]
    assert "highlight" in bars[0].get("class") and "highlight" not in bars[1].get("class")
    assert float(bars[0].get("width")) > float(bars[1].get("width")) > 0
    reference = marks(root, "g", "reference")
    assert len(reference) == 1 and "Chỉ tiêu = 1" in "".join(reference[0].itertext())
    line_x = float(reference[0].find(f"{SVG}line").get("x1"))
    start = float(bars[0].get("x"))
    assert start < line_x < start + float(bars[0].get("width")), "1.37 reaches past the 1.0 line"
    assert "—" in texts(root)


def test_labels_and_titles_are_escaped():
    nasty = 'Công an <script>alert("x")</script> & "Cục"'
    markup = str(bar_chart(f"Biểu đồ {nasty}", [Bar(nasty, 3)]))
    assert "<script>" not in markup
    root = parse(markup)  # well-formed XML despite the label
    assert root.get("aria-label") == f"Biểu đồ {nasty}"
    assert marks(root, "rect", "bar")[0].find(f"{SVG}title").text == f"{nasty}: 3"
    grouped = parse(grouped_bar_chart("g", [nasty], [Series("<b>", [1])]))
    assert "<b>" in texts(grouped) and any("<script>" in t for t in texts(grouped))
    lines = parse(line_chart("l", ["<x>"], [Series("&", [1])]))
    assert marks(lines, "circle", "point")[0].find(f"{SVG}title").text == "&, <x>: 1"


def test_no_rows_or_only_zeros_still_draw_a_readable_chart():
    for empty in (bar_chart("Trống", []), grouped_bar_chart("Trống", [], []), line_chart("Trống", [], [])):
        root = parse(empty)
        assert root.get("role") == "img" and NO_DATA in texts(root)
    root = parse(bar_chart("Số không", [Bar("A", 0), Bar("B", 0)]))
    assert [float(b.get("width")) for b in marks(root, "rect", "bar")] == [0.0, 0.0]
    zeros = parse(line_chart("Số không", ["01/2026", "02/2026"], [Series("A", [0, 0])]))
    assert len(marks(zeros, "circle", "point")) == 2
    assert all(float(c.get("cy")) == float(marks(zeros, "circle", "point")[0].get("cy"))
               for c in marks(zeros, "circle", "point"))


def test_grouped_bars_are_one_per_category_and_series_and_stacked_bars_add_up():
    categories = ["Công an tỉnh", "Viện kiểm sát tỉnh", "Tòa án tỉnh"]
    series = [Series("Đúng hạn", [8, 5, 0]), Series("Quá hạn", [2, 0, 1]), Series("Bỏ sót", [1, None, 0])]
    grouped = parse(grouped_bar_chart("Theo cơ quan", categories, series))
    assert len(marks(grouped, "rect", "bar")) == 8, "a missing figure draws no bar"
    assert [e.text for e in grouped.iter(f"{SVG}text") if e.get("class") == "label"] == categories
    assert len(marks(grouped, "g", "legend-item")) == 3
    stacked = parse(grouped_bar_chart("Theo cơ quan", categories, series[:2], stacked=True))
    bars = marks(stacked, "rect", "bar")
    assert len(bars) == 6
    first = [b for b in bars if b.find(f"{SVG}title").text.startswith("Công an tỉnh")]
    assert float(first[1].get("x")) == float(first[0].get("x")) + float(first[0].get("width")), "segments abut"
    assert "10" in texts(stacked), "the stack's total is written at its end"


def test_a_line_chart_has_a_point_per_figure_per_series_and_round_gridlines():
    months = [f"{m:02d}/2026" for m in range(1, 13)]
    root = parse(line_chart("Diễn biến", months, [Series("Thông báo", list(range(12))),
                                                  Series("Quá hạn", [1] * 6 + [None] * 6)]))
    assert len(marks(root, "circle", "point")) == 18
    assert len(marks(root, "g", "series")) == 2
    gridlines = [e for e in root.iter(f"{SVG}text") if e.get("text-anchor") == "end"]
    assert [g.text for g in gridlines] == ["0", "5", "10", "15", "20"]
    assert sum(1 for e in root.iter(f"{SVG}text") if e.get("class") == "x-label") == 12


def test_numbers_are_written_the_vietnamese_way_and_axes_end_on_round_values():
    assert [format_number(v) for v in (12345, 1234.5, 0.067, None)] == ["12.345", "1.234,5", "0,07", "—"]
    assert [nice_ceiling(v) for v in (0, 0.67, 1.37, 7, 12, 180)] == [1, 1, 2, 10, 20, 200]
