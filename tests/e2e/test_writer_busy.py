"""An append the store's writer has no room for (events.WriterBusy, group commit) is a 503 with Retry-After, never a
422 or a 500: on the API in its error shape, on the pages as a page in the reader's language; nothing is recorded."""

from __future__ import annotations

from typing import Any

import pytest

from events import WriterBusy
from tests.e2e.conftest import services
from tests.e2e.world import AGREEMENT, World, error_of


def refuse(*_args: Any, **_kwargs: Any) -> Any:
    """An append refused for a full writer queue."""
    raise WriterBusy(256, retry_after=2)


def test_the_api_answers_a_full_writer_queue_with_503_and_retry_after(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = world.api.head()
    monkeypatch.setattr(services(world.api.app).store, "append", refuse)

    answer = world.api.call("POST", "/coalitions", world.who("ana"), {**AGREEMENT, "organisation_id": world.green})

    assert answer.headers["Retry-After"] == "2"
    assert "writer queue is full" in error_of(answer, 503, "unavailable")["message"]
    assert world.api.head() == before


def test_a_page_shows_a_full_writer_queue_as_a_503_page_in_the_readers_language(world: World) -> None:
    app = world.api.app
    with app.test_request_context("/coalitions/new", headers={"Accept-Language": "ro"}):
        response = app.make_response(app.handle_user_exception(WriterBusy(256, retry_after=2)))

    assert (response.status_code, response.headers["Retry-After"], response.mimetype) == (503, "2", "text/html")
    assert "Prea multe modificări" in response.get_data(as_text=True)
