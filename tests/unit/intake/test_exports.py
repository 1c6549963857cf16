"""Downloads of the report tables: the CSV and the XLSX read back to the same figures as the table."""

import csv
import io

from openpyxl import load_workbook

from services.intake.entrypoints.exports import (
    CSV_MEDIA_TYPE,
    DECIMAL,
    NUMBER,
    SHARE,
    XLSX_MEDIA_TYPE,
    Column,
    Table,
    ascii_filename,
    sheet_title,
    table_response,
    to_csv,
    to_xlsx,
)

TABLE = Table("agencies", "Số liệu theo cơ quan tiến hành tố tụng: tháng 10/2026", (
    Column("agency", "Cơ quan"), Column("notices", "Thông báo", NUMBER), Column("late_share", "Tỷ lệ quá hạn", SHARE),
    Column("load", "Tải", DECIMAL), Column("leader", "Lãnh đạo")), [
    {"agency": "Công an tỉnh Gia Lai", "notices": 10, "late_share": 0.2, "load": 4.75, "leader": True, "_highlight": 1},
    {"agency": "=HYPERLINK(\"http://x\")", "notices": 0, "late_share": None, "load": 0, "leader": False},
])


def test_the_csv_starts_with_a_bom_and_reads_back_to_the_same_figures():
    content = to_csv(TABLE)
    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read Vietnamese"
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["Cơ quan", "Thông báo", "Tỷ lệ quá hạn", "Tải", "Lãnh đạo"]
    assert rows[1] == ["Công an tỉnh Gia Lai", "10", "0.2", "4.75", "Có"]
    assert rows[2] == ["'=HYPERLINK(\"http://x\")", "0", "", "0", "Không"], "a formula-like text is defused"
    assert len(rows) == 3 and b"_highlight" not in content


def test_the_xlsx_keeps_numbers_as_numbers_with_a_bold_heading_and_a_short_sheet_name():
    workbook = load_workbook(io.BytesIO(to_xlsx(TABLE)))
    sheet = workbook.active
    assert sheet.title == "Số liệu theo cơ quan tiến hành" and len(sheet.title) <= 31
    assert workbook.properties.title == TABLE.title
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Cơ quan", "Thông báo", "Tỷ lệ quá hạn", "Tải", "Lãnh đạo"]
    assert values[1] == ["Công an tỉnh Gia Lai", 10, 0.2, 4.75, "Có"]
    assert values[2] == ["=HYPERLINK(\"http://x\")", 0, None, 0, "Không"]
    assert sheet["B2"].data_type == "n" and sheet["C2"].number_format == "0.0%"
    assert sheet["A3"].data_type == "s", "text that looks like a formula stays text"
    assert all(cell.font.bold for cell in sheet[1]) and not sheet["A2"].font.bold
    assert sheet.freeze_panes == "A2"


def test_an_empty_table_still_has_its_heading():
    empty = Table("x", "Trống", (Column("a", "Cột A"),), [])
    assert to_csv(empty).decode("utf-8-sig") == "Cột A\r\n"
    assert [[c.value for c in r] for r in load_workbook(io.BytesIO(to_xlsx(empty))).active.iter_rows()] == [["Cột A"]]


def test_sheet_names_and_file_names_are_safe():
    assert sheet_title("Biểu 24/BTP/TGPL: Số người [2026]?") == "Biểu 24 BTP TGPL  Số người  202"
    assert len(sheet_title("x" * 80)) == 31 and sheet_title("///") == "Bang"
    assert ascii_filename("Biểu 24 — Đắk Lắk: tháng 10/2026") == "Bieu-24-Dak-Lak-thang-10-2026"
    assert ascii_filename("\"; rm -rf /") == "rm-rf" and ascii_filename("đ") == "d"
    assert ascii_filename("***") == "bang-so-lieu"


def test_a_download_answers_with_its_media_type_and_an_ascii_file_name():
    csv_response = table_response(TABLE, "csv", "báo-cáo/cơ quan 2026-10")
    assert csv_response.media_type == CSV_MEDIA_TYPE
    assert csv_response.headers["content-disposition"] == 'attachment; filename="bao-cao-co-quan-2026-10.csv"'
    xlsx_response = table_response(TABLE, "xlsx")
    assert xlsx_response.media_type == XLSX_MEDIA_TYPE
    assert xlsx_response.headers["content-disposition"] == 'attachment; filename="agencies.xlsx"'
    assert xlsx_response.body.startswith(b"PK")
