"""A refusal from the domain is shown in the reader's language: its message, its fragments and the states it names."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import World


def in_romanian(world: World, person: str) -> FlaskClient:
    """A browser session of one of the world's people who chose Romanian in the header."""
    client = signed_in(world, person)
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
    return client


def task_page(world: World) -> str:
    return f"{world.path}/tasks/{world.task}"


def test_what_only_facilitators_may_do_is_refused_in_romanian(world: World) -> None:
    client = in_romanian(world, "mo")  # a member without a role
    head = world.api.head()
    response = submit(client, task_page(world), f"{task_page(world)}/drop", {"reason": "Nu mai e nevoie"})

    assert response.status_code == 403
    assert "abandonarea sarcinilor este rezervată facilitatorilor" in text(response)
    assert "only facilitators" not in text(response)
    assert world.api.head() == head


def test_a_refusal_naming_states_shows_them_in_romanian(world: World) -> None:
    client = in_romanian(world, "ana")  # a facilitator
    dropped = submit(client, task_page(world), f"{task_page(world)}/drop", {"reason": "Nu mai e nevoie"})
    assert dropped.status_code == 302
    head = world.api.head()

    again = submit(client, task_page(world), f"{task_page(world)}/drop", {"reason": "Din nou"})

    assert again.status_code == 409
    assert f"sarcina {world.task} este abandonată, nu deschisă sau acceptată" in text(again)
    assert world.api.head() == head
