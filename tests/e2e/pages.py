"""What the page tests share: a signed-in browser session of one of the world's people, and CSRF tokens.

Page tests run with CSRF protection on, as in production: every form post carries the token the
page it came from rendered.
"""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.e2e.world import PASSWORD, World


def signed_in(world: World, person: str) -> FlaskClient:
    """A browser session of one of the world's people."""
    client = world.api.app.test_client()
    response = client.post(
        "/login", data={"csrf_token": csrf(client, "/login"), "email": world.email(person), "password": PASSWORD}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def csrf(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form the page at `path` renders."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert found, page
    return found.group(1)


def submit(client: FlaskClient, page: str, action: str, data: dict[str, Any]) -> TestResponse:
    """Post a form to `action` as the page at `page` would, with its CSRF token."""
    return client.post(action, data={"csrf_token": csrf(client, page), **data})


def text(response: TestResponse) -> str:
    return response.get_data(as_text=True)
