"""The home page's directory of coalitions: a page of coalitions at a time by name, each card with how many active
members it has and the first few of them by name, so that the page does not grow with the platform or its
coalitions' members."""

from __future__ import annotations

import html
import re

import pytest

from coalition.web.pages import home
from tests.e2e.world import AGREEMENT, World


@pytest.fixture
def world(world: World, monkeypatch: pytest.MonkeyPatch) -> World:
    """A second coalition, of Green Earth alone, whose name sorts first; one coalition and one member name shown."""
    monkeypatch.setattr(home, "COALITIONS_SHOWN", 1)
    monkeypatch.setattr(home, "NAMES_SHOWN", 1)
    body = {**AGREEMENT, "name": "Alpine Lakes Coalition" + world.tag, "organisation_id": world.green}
    world.ok("POST", "/coalitions", "ana", body)
    return world


def pages(world: World) -> list[str]:
    """The directory's pages as an anonymous visitor follows its "Next page" links."""
    client = world.api.app.test_client()
    found = [html.unescape(client.get("/").get_data(as_text=True))]
    while 'rel="next"' in found[-1]:
        link = re.search(r'href="([^"]+)" rel="next"', found[-1])
        assert link, "a next page without its link"
        found.append(html.unescape(client.get(link.group(1)).get_data(as_text=True)))
    return found


def cards(page: str) -> list[str]:
    return re.findall(r'<article class="card coalition">(.*?)</article>', page, re.S)


def test_the_directory_comes_a_page_at_a_time_by_name(world: World) -> None:
    listed = pages(world)

    names = [re.search(r"<h3>(.*?)</h3>", card).group(1) for page in listed for card in cards(page)]  # type: ignore[union-attr]
    assert all(len(cards(page)) == 1 for page in listed)
    ours = [n for n in names if n.endswith(world.tag)]
    assert ours == ["Alpine Lakes Coalition" + world.tag, "Danube Rivers Coalition" + world.tag]
    assert names == sorted(names)
    assert f"1 shown of {len(names)}." in listed[0] and "First page" not in listed[0]
    assert all("First page" in page for page in listed[1:])


def test_a_card_counts_the_active_members_and_names_the_first_few(world: World) -> None:
    danube = next(c for page in pages(world) for c in cards(page) if "Danube Rivers Coalition" + world.tag in c)
    alpine = next(c for page in pages(world) for c in cards(page) if "Alpine Lakes Coalition" + world.tag in c)

    assert "2 active members" in danube and "and 1 more" in danube
    assert "Green Earth" + world.tag in danube and "River Watch" + world.tag not in danube  # the first by name
    assert "1 active member" in alpine and "more" not in alpine


def test_a_stale_next_link_starts_from_the_first_page(world: World) -> None:
    page = html.unescape(world.api.app.test_client().get("/?after=no-such-coalition").get_data(as_text=True))

    assert cards(page) == cards(pages(world)[0]) and len(cards(page)) == 1
