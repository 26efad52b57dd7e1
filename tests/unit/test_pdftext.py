"""The certificate checks' reading of a laid-out page: a label beside its value, above it, or wrapping beside it."""

from __future__ import annotations

import pytest

from tests.pdftext import label_beside_or_above

LINES = [
    "Log position          35",
    "Language",
    "bg",
    "Хеш на дневника към   39ce2c",
    "тази позиция",
    "Отчетен ден           2026-12-04",
]


@pytest.mark.parametrize(
    ("label", "value", "found"),
    [
        ("Log position", "35", True),
        ("Language", "bg", True),
        ("Хеш на дневника към тази позиция", "39ce2c", True),  # the label wraps, its value beside its first line
        ("Хеш на дневника към тази позиция", "2026-12-04", False),
        ("Хеш на дневника към другата позиция", "39ce2c", False),  # the wrapped rest is another label's
        ("Хеш на дневника", "39ce2c", False),  # only the label's first words
        ("Log", "35", False),
        ("Log position", "3", False),
    ],
)
def test_a_label_is_found_beside_above_or_wrapping_beside_its_value(label: str, value: str, found: bool) -> None:
    assert label_beside_or_above(LINES, label, value) is found
