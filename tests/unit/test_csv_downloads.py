"""The CSV downloads: cells a spreadsheet would run as formulas are defused, Excel's signature on request, and file
names made from a coalition's name (ASCII, and RFC 5987 `filename*` for the Unicode one)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from flask import Flask

from coalition.web.request import attachment, csv_response, dated_filename, slug

DAY = date(2026, 12, 4)


@pytest.fixture
def app() -> Flask:
    return Flask(__name__)


@pytest.mark.parametrize("dangerous", ["=1+2", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", '=HYPERLINK("http://x")'])
def test_cells_starting_like_a_formula_are_defused(app: Flask, dangerous: str) -> None:
    with app.test_request_context():
        body = csv_response([{"a": dangerous, "b": "fine = here"}], ("a", "b"), "x.csv").get_data(as_text=True)

    row = list(csv.reader(io.StringIO(body)))[1]
    assert row == ["'" + dangerous, "fine = here"]


def test_plain_cells_and_nulls_stay_as_they_are(app: Flask) -> None:
    with app.test_request_context():
        body = csv_response([{"a": None, "b": 42, "c": "Râuri ș ț"}], ("a", "b", "c"), "x.csv").get_data(as_text=True)

    assert list(csv.reader(io.StringIO(body)))[1] == ["", "42", "Râuri ș ț"]


def test_excel_asks_for_a_utf8_signature_and_nothing_else_changes(app: Flask) -> None:
    with app.test_request_context():
        plain = csv_response([{"a": "ă"}], ("a",), "x.csv").data
        excel = csv_response([{"a": "ă"}], ("a",), "x.csv", excel=True).data

    assert not plain.startswith(b"\xef\xbb\xbf") and excel == b"\xef\xbb\xbf" + plain


@pytest.mark.parametrize(
    "name,ascii_name,unicode_name",
    [
        ("Clean Rivers Coalition", "clean-rivers-coalition", "clean-rivers-coalition"),
        ("Coaliția „Dunării Curate”", "coalitia-dunarii-curate", "coaliția-dunării-curate"),
        ("Коалиция чистых рек", "coalition", "коалиция-чистых-рек"),
        ('../../etc/passwd"; x=1', "etc-passwd-x-1", "etc-passwd-x-1"),
        ("", "coalition", "coalition"),
        ("a" * 200, "a" * 60, "a" * 60),
    ],
)
def test_file_names_are_slugs_of_the_name_and_the_day(name: str, ascii_name: str, unicode_name: str) -> None:
    assert slug(name) == ascii_name and slug(name, ascii_only=False) == unicode_name
    assert dated_filename(name, "audit", DAY) == (
        f"{ascii_name}-audit-2026-12-04.csv",
        f"{unicode_name}-audit-2026-12-04.csv",
    )


def test_the_disposition_adds_filename_star_only_for_a_unicode_name() -> None:
    ascii_only = attachment(*dated_filename("Clean Rivers Coalition", "audit", DAY))
    romanian = attachment(*dated_filename("Coaliția Dunării", "audit", DAY))

    assert ascii_only == 'attachment; filename="clean-rivers-coalition-audit-2026-12-04.csv"'
    assert romanian == (
        'attachment; filename="coalitia-dunarii-audit-2026-12-04.csv"; '
        "filename*=UTF-8''coali%C8%9Bia-dun%C4%83rii-audit-2026-12-04.csv"
    )
