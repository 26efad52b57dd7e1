"""What the browser tests share: Debian's Chromium through Playwright, and the app served on a loopback port."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from coalition import create_app
from tests.conftest import copy_migrated_into, migrate, missing, sqlite_url
from tests.copies import Databases

ARTIFACTS = Path(__file__).parent.parent / "artifacts"
ARTIFACTS.mkdir(exist_ok=True)  # screenshots and PDFs to be looked at; a fresh clone has no such folder
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian, driven by Playwright."""
    executable = shutil.which("chromium")
    if executable is None:
        missing("Chromium is not installed (Debian package: chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright for Python is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        # On UTC whatever the machine's clock: the pages show times in the zone the browser reports (time-zone.js).
        environment = {**os.environ, "TZ": "UTC"}
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, env=environment)
        yield chromium
        chromium.close()


@dataclass(frozen=True)
class Site:
    """An app being served, and where."""

    url: str
    app: Flask


@pytest.fixture
def site(tmp_path: Path, databases: Databases) -> Iterator[Site]:
    """The app on a fresh SQLite database, served on a free loopback port for the test's duration."""
    url = sqlite_url(tmp_path)
    if not copy_migrated_into(url, databases.template("sqlite", "migrated", migrate)):
        migrate(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        app.extensions["coalition"].engine.dispose()


@pytest.fixture
def live_url(site: Site) -> str:
    return site.url


def in_header(page: Any, name: str, role: str = "link") -> Any:
    """The header's menu entry `name` (a link, or the sign-out button), made visible: on a phone the main menu is
    folded under "Menu"; the account's entries are in the menu under the person's name."""
    page.wait_for_load_state()  # the stylesheet decides whether "Menu" shows: before it loads, it always does
    fold = page.locator("header.site .fold")
    if fold.count() and fold.locator("> summary").is_visible() and fold.get_attribute("open") is None:
        fold.locator("> summary").click()
    entry = page.locator("header.site").get_by_role(role, name=name, exact=True)
    if not entry.is_visible():
        page.locator("header.site .account-menu > summary").click()
    return entry


def choose_language(page: Any, name: str) -> None:
    """Choose the pages' language in the header: open the language menu, press the language's name (in itself)."""
    page.locator("header.site .language-menu > summary").click()
    page.locator("header.site .language-menu").get_by_role("button", name=name, exact=True).click()
