"""Where the app's files are, in a checkout and in an installed wheel; imports nothing of ours.

The templates live at the top of the repository (`templates/`); the wheel ships them inside the
package as `coalition/templates/` (setup.py maps the one to the other). Static files, translations
and migrations live inside the package in both.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
STATIC = PACKAGE / "static"
TRANSLATIONS = PACKAGE / "translations"
MIGRATIONS = PACKAGE / "migrations"


def templates_folder(package: Path = PACKAGE) -> Path:
    """The templates: inside the package when installed from a wheel, else the checkout's `templates/`."""
    installed = package / "templates"
    return installed if installed.is_dir() else package.parent / "templates"


TEMPLATES = templates_folder()
