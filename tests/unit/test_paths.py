"""The app finds its templates inside the package when installed from a wheel, else in the checkout."""

from __future__ import annotations

from pathlib import Path

from coalition import paths


def test_an_installed_package_uses_its_own_templates(tmp_path: Path) -> None:
    (tmp_path / "coalition" / "templates").mkdir(parents=True)
    (tmp_path / "templates").mkdir()
    assert paths.templates_folder(tmp_path / "coalition") == tmp_path / "coalition" / "templates"


def test_a_checkout_uses_the_top_level_templates(tmp_path: Path) -> None:
    (tmp_path / "coalition").mkdir()
    assert paths.templates_folder(tmp_path / "coalition") == tmp_path / "templates"


def test_this_checkout_finds_the_pdf_template() -> None:
    assert (paths.TEMPLATES / "pdf" / "statement.html").is_file()
    assert (paths.STATIC / "style.css").is_file()
