"""Checks the system libraries the app needs, saying in one line what to install when they are missing."""

from __future__ import annotations

import sys

#: Debian packages providing the libraries WeasyPrint loads at import time.
WEASYPRINT_PACKAGES = (
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libharfbuzz-subset0",
    "fonts-dejavu-core",
)


def weasyprint_problem() -> str | None:
    """None when WeasyPrint loads; otherwise one line naming the Debian packages to install."""
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        return (
            f"WeasyPrint cannot load its system libraries ({error}); "
            f"install them with: sudo apt-get install {' '.join(WEASYPRINT_PACKAGES)}"
        )
    return None


def main() -> int:
    """Print what is missing and return 1, or return 0 when everything is there."""
    problem = weasyprint_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
