"""The place of issue: named when publishing (API or page), printed before the date on the PDF as a letter is dated;
a place that is too long or not one line is refused with the field named, and nothing is published."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.e2e.pages import signed_in, submit, text
from tests.e2e.world import World, error_of


def closed(world: World) -> str:
    """A statement signed by two organisations (its threshold) and closed: ready to publish."""
    w = world
    body = {"title": "Clean rivers now", "language": "en", "body": "We call on *governments* to act."}
    path = f"{w.path}/statements/" + w.ok("POST", f"{w.path}/statements", "ana", body)["id"]
    w.ok("PUT", f"{path}/translations/ro", "ana", {"title": "Râuri curate acum", "body": "Cerem *guvernelor*."})
    w.ok("POST", f"{path}/open", "ana", {"threshold": 2})
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Chair"})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    w.ok("POST", f"{path}/close", "ana")
    return path


def first_page(world: World, path: str, lang: str = "en") -> str:
    response = world.api.call("GET", f"{path}.pdf?lang={lang}", world.who("mo"))
    assert response.status_code == 200, response.get_data(as_text=True)
    return " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())


def test_a_statement_published_at_a_place_is_dated_there_in_every_language(world: World) -> None:
    path = closed(world)
    world.ok("POST", f"{path}/publish", "ana", {"place": "  Bucharest "})  # trimmed

    english, romanian = first_page(world, path), first_page(world, path, "ro")
    assert re.search(r"\bBucharest, [A-Z][a-z]+ \d{1,2}, \d{4}\b", english) and "Published on" not in english
    assert re.search(r"\bBucharest, \d{1,2} [a-z]+ \d{4}\b", romanian) and "Publicată la" not in romanian


def test_without_a_place_the_pdf_says_published_on(world: World) -> None:
    path = closed(world)
    world.ok("POST", f"{path}/publish", "ana", {})
    assert "Published on " in first_page(world, path)


@pytest.mark.parametrize(
    ("place", "said"),
    [("x" * 101, "Longer than maximum length 100"), ("Bucharest\nIași", "one line")],
)
def test_a_place_too_long_or_on_two_lines_is_refused_and_nothing_is_published(
    world: World, place: str, said: str
) -> None:
    path = closed(world)
    error = error_of(world.api.call("POST", f"{path}/publish", world.who("ana"), {"place": place}), 422, "invalid")

    assert said in str(error["fields"]["place"])
    assert world.ok("GET", path, "mo")["state"] == "closed"


def test_the_facilitator_names_the_place_on_the_statement_page(world: World) -> None:
    path = closed(world)
    ana = signed_in(world, "ana")
    page = text(ana.get(path))
    assert "Place of issue (optional)" in page and 'autocomplete="address-level2"' in page

    refused = submit(ana, path, f"{path}/publish", {"place": "y" * 101})
    assert refused.status_code == 400 and "100 characters" in text(refused)
    assert world.ok("GET", path, "mo")["state"] == "closed"

    done = submit(ana, path, f"{path}/publish", {"place": "Iași"})
    assert done.status_code == 302
    assert world.ok("GET", path, "mo")["state"] == "published"
    assert "Iași, " in first_page(world, path)


def test_the_page_trims_the_place_before_counting_it_as_the_api_does(world: World) -> None:
    path = closed(world)
    ana = signed_in(world, "ana")

    done = submit(ana, path, f"{path}/publish", {"place": "     " + "P" * 98 + "  "})

    assert done.status_code == 302 and world.ok("GET", path, "mo")["state"] == "published"
    assert "P" * 98 + ", " in first_page(world, path)
