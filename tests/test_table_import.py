"""Importing tables of any width: CSV, TSV and spreadsheets, the column choice, and skipped rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data.spreadsheet import list_sheets
from engine.data.table_files import import_points, is_spreadsheet, open_table
from engine.data.table_import import TextTable
from engine.errors import DataError
from tests.spreadsheet_files import PEOPLE, write_ods, write_xls, write_xlsx


def people_text(separator: str) -> str:
    return "".join(separator.join("" if cell is None else str(cell) for cell in row) + "\n" for row in PEOPLE)


@pytest.mark.parametrize(("name", "separator"), [("people.csv", ","), ("people.tsv", "\t"), ("people.txt", ";")])
def test_a_csv_with_four_columns_defaults_to_first_and_last_numeric(tmp_path: Path, name: str,
                                                                    separator: str) -> None:
    path = tmp_path / name
    path.write_text(people_text(separator), encoding="utf-8")
    table = open_table(path)
    assert table.headers == ("name", "age", "height_cm", "weight_kg")
    assert table.default_columns() == (1, 3)
    imported = import_points(path)
    assert (imported.x_name, imported.y_name) == ("age", "weight_kg")
    assert imported.points.pairs() == [(30, 65), (31, 80), (32, 72), (33, 55), (35, 60)]
    assert imported.skipped_summary() == "skipped 1 line: 6 (weight_kg empty)"


def test_columns_are_chosen_by_name_or_position_and_every_bad_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(people_text(","), encoding="utf-8")
    by_name = import_points(path, x="height_cm", y="weight_kg")
    by_position = import_points(path, x="3", y=4)
    assert by_name.points == by_position.points
    assert by_name.points.pairs() == [(170.5, 65), (182, 80), (175, 72), (160, 55)]
    assert by_name.skipped_summary() == ("skipped 2 lines: 6 (weight_kg empty), "
                                         "7 (height_cm 'n/a' is not a number)")
    assert [row.line for row in by_name.skipped] == [6, 7]


def test_an_unknown_column_names_it_and_lists_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(people_text(","), encoding="utf-8")
    for wrong in ("shoe_size", "5", "0"):
        with pytest.raises(DataError) as caught:
            import_points(path, y=wrong)
        assert str(caught.value) == (f"{path}: no column {wrong!r} for y; the columns are 'name', 'age', "
                                     "'height_cm', 'weight_kg' (or 1-4).")


def test_quoted_fields_may_hold_the_separator(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text('name,x,y\n"Smith, Ann",1,2\n"Jones, Bob",3,4\n', encoding="utf-8")
    assert import_points(path).points.pairs() == [(1, 2), (3, 4)]


def test_a_hash_inside_a_name_is_not_a_comment(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("Run #,Time,Score\n1,2.5,7\n2,3.5,9  # a note after the numbers\n# a comment line\n3,4,11\n",
                    encoding="utf-8")
    imported = import_points(path, x="Time", y="Score")
    assert imported.points.pairs() == [(2.5, 7), (3.5, 9), (4, 11)]
    assert open_table(path).headers == ("Run #", "Time", "Score")


def test_a_text_file_has_no_sheets(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(people_text(","), encoding="utf-8")
    with pytest.raises(DataError, match="a text file has no sheets"):
        import_points(path, sheet="1")


@pytest.mark.parametrize(("writer", "suffix"), [(write_xlsx, ".xlsx"), (write_ods, ".ods"), (write_xls, ".xls")])
def test_a_spreadsheet_sheet_is_chosen_by_name_or_number(tmp_path: Path, writer, suffix: str) -> None:
    path = writer(tmp_path / f"people{suffix}", {"Notes": [["measured in May"]], "People": PEOPLE})
    assert is_spreadsheet(path)
    assert list_sheets(path) == ["Notes", "People"]
    by_name = import_points(path, sheet="People", x="height_cm")
    by_number = import_points(path, sheet=2, x=3)
    assert by_name == by_number
    assert (by_name.x_name, by_name.y_name) == ("height_cm", "weight_kg")
    assert by_name.points.pairs() == [(170.5, 65), (182, 80), (175, 72), (160, 55)]
    assert by_name.skipped_summary() == "skipped 2 rows: 6 (weight_kg empty), 7 (height_cm 'n/a' is not a number)"
    table = open_table(path, "People")
    assert table.preview(2) == [["Ann", "30", "170.5", "65"], ["Bob", "31", "182", "80"]]


@pytest.mark.parametrize(("writer", "suffix"), [(write_xlsx, ".xlsx"), (write_ods, ".ods")])
def test_an_unknown_sheet_names_it_and_lists_the_sheets(tmp_path: Path, writer, suffix: str) -> None:
    path = writer(tmp_path / f"people{suffix}", {"Notes": [["x"]], "People": PEOPLE})
    with pytest.raises(DataError) as caught:
        import_points(path, sheet="Data")
    assert str(caught.value) == f"{path}: no sheet 'Data'; the sheets are 'Notes', 'People' (or 1-2)."
    with pytest.raises(DataError, match="no sheet '3'"):
        import_points(path, sheet=3)


def test_a_spreadsheet_is_found_by_content_whatever_its_name(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "download", {"Sheet1": [["x", "y"], [1, 2], [3, 5]]})
    assert is_spreadsheet(path)
    assert import_points(path).points.pairs() == [(1, 2), (3, 5)]


def test_a_sheet_without_a_header_names_columns_by_letter(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plain.xlsx", {"Sheet1": [[1, 2, 3], [4, 5, 6]]})
    table = open_table(path)
    assert table.headers == ("A", "B", "C")
    assert import_points(path).points.pairs() == [(1, 3), (4, 6)]


def test_a_damaged_spreadsheet_is_a_data_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataError) as caught:
        import_points(path)
    assert str(caught.value).startswith(f"{path}: cannot read the spreadsheet")


def test_a_one_column_file_is_refused_not_trained_as_x_equals_y(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("height\n1\n2\n3\n", encoding="utf-8")
    with pytest.raises(DataError, match="one column \\('height'\\); points need an x column and a y column"):
        import_points(path)


def test_a_sheet_with_no_usable_row_is_refused(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "words.ods", {"S": [["x", "y"], ["a", "b"], [None, 3]]})
    with pytest.raises(DataError) as caught:
        import_points(path)
    assert "no usable row for x = 'x' and y = 'y' (skipped 2 rows: 2 (x 'a' is not a number), 3 (x empty))" \
        in str(caught.value)


@pytest.mark.parametrize("text", [
    "name,x,y\na,1,2\nb,3,4\nc,5,6\n",  # numpy reads the two columns
    "name,x,y\na,1,2\nb,3,4,5\nc,5,6\n",  # a line with a field too many: numpy would take it
    "name,x,y\na,1,2\nb,3,4,\nc,5,6\n",  # a trailing separator: no value, kept
    "name,x,y\na,1,2\nb,3\nc,5,6 # note\n",  # a field too few; a comment
    "x,y,z\n1,2,3\n4,5,nan\n7,8,9\n",  # all numeric, one value not finite
    "a,x,y\n1,2,3,4\n5,6\n7,8,9\n",  # a long line and a short one: the separators add up, the lines do not
])
@pytest.mark.parametrize("chunk_lines", [65_536, 1, 2])
def test_numpys_reading_gives_what_the_line_by_line_reading_gives(text: str, chunk_lines: int,
                                                                 monkeypatch) -> None:
    """numpy reads runs of lines (chunks); a run with a bad line is read line by line: whatever the size of
    the runs, the points and the skipped lines are those of the line-by-line reading."""
    from engine.data import table_import

    monkeypatch.setattr(table_import, "CHUNK_LINES", chunk_lines)
    text = text + "\n" + "".join(text.splitlines(keepends=True)[1:])  # a blank line, more lines
    table = TextTable(text, "t.csv")
    x, y = table.column("x", "x", 0), table.column("y", "y", 0) if "y" in table.headers else 1
    fast = table.values(x, y)
    strict = table._strict_values(x, y)
    assert fast[0].tolist() == strict[0].tolist() and fast[1].tolist() == strict[1].tolist()
    assert fast[2:] == strict[2:]


def test_a_spreadsheet_that_unpacks_to_gigabytes_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    from engine.data import spreadsheet

    path = write_xlsx(tmp_path / "big.xlsx", {"S": [["x", "y"], [1, 2], [3, 4]]})
    monkeypatch.setattr(spreadsheet, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(DataError, match=r"big\.xlsx: the spreadsheet unpacks to .* MB; at most 0 MB is read"):
        import_points(path)
