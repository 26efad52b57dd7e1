"""Published statements found and passed on: the public index and its pages, the Atom feed, the public page's
preview metadata and share links, and the share card members see after publishing."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import parse_qs, unquote, urlsplit
from xml.etree import ElementTree as ET

import pytest

from coalition.reads import published as listing
from tests.e2e.pages import signed_in, submit, text
from tests.e2e.world import World

ATOM = "{http://www.w3.org/2005/Atom}"
SITE = "http://127.0.0.1:5000"  # PUBLIC_URL's default: every absolute address comes from it
HOSTILE = "Rivers </title><script>alert(\"x\")</script> & <b>co</b> ]]> 'q'"


def publish(world: World, title: str, *, ro: str | None = None) -> str:
    """Draft, open, sign (River Watch), close and publish a statement through the API; its id."""
    w = world
    draft = {"title": title, "body": f"We ask: {title}.", "language": "en"}
    sid = str(w.ok("POST", f"{w.path}/statements", "ana", draft)["id"])
    path = f"{w.path}/statements/{sid}"
    if ro:
        w.ok("PUT", f"{path}/translations/ro", "ana", {"title": ro, "body": "Cerem: râuri curate, ș și ț."})
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{path}/close", "ana")
    w.ok("POST", f"{path}/publish", "ana")
    return sid


def opened(world: World, title: str, *, closed: bool = False) -> str:
    """A statement open for signature (or closed without publishing); its id."""
    w = world
    sid = str(w.ok("POST", f"{w.path}/statements", "ana", {"title": title, "body": "B", "language": "en"})["id"])
    w.ok("POST", f"{w.path}/statements/{sid}/open", "ana", {})
    if closed:
        w.ok("POST", f"{w.path}/statements/{sid}/signatures", "mo", {"organisation_id": w.river})
        w.ok("POST", f"{w.path}/statements/{sid}/close", "ana")
    return sid


class Head(HTMLParser):
    """The page's <meta> and <link> tags, and every link's href."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: list[dict[str, str]] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in values or "name" in values):
            self.meta.setdefault(values.get("property") or values["name"], []).append(values.get("content", ""))
        if tag == "link":
            self.links.append(values)
        if tag == "a" and "href" in values:
            self.hrefs.append(values["href"])


def head_of(html: str) -> Head:
    parsed = Head()
    parsed.feed(html)
    return parsed


def titles(html: str) -> list[str]:
    return re.findall(r'<li class="published-item">\s*<h2><a href="[^"]+" lang="\w+">([^<]+)</a>', html)


# -- the index ------------------------------------------------------------------------------------


def test_the_index_lists_only_published_statements_newest_first(world: World) -> None:
    first = publish(world, "First call")
    opened(world, "Still open")
    opened(world, "Closed, never published", closed=True)
    world.ok("POST", f"{world.path}/statements", "ana", {"title": "A draft", "body": "B", "language": "en"})
    publish(world, "Second call")
    client = world.api.client

    html = text(client.get("/public/statements"))

    assert titles(html) == ["Second call", "First call"]
    assert "Still open" not in html and "Closed, never published" not in html and "A draft" not in html
    assert html.count("Danube Rivers Coalition") == 2 and html.count("1 signatory organisation") == 2
    assert f'href="/public/statements/{first}"' in html
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT[^"]+">published on \w{3} \d{1,2}, \d{4}</time>', html)
    assert "Page 1 of" not in html  # one page: no pager


def test_the_index_counts_only_the_signatures_that_count(world: World) -> None:
    w = world
    sid = str(w.ok("POST", f"{w.path}/statements", "ana", {"title": "Two signed", "body": "B", "language": "en"})["id"])
    path = f"{w.path}/statements/{sid}"
    w.ok("POST", f"/organisations/{w.green}/mandates", "ana", {"email": w.email("ana"), "title": "Coordinator"})
    w.ok("POST", f"{path}/open", "ana", {})
    w.ok("POST", f"{path}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{path}/signatures", "ana", {"organisation_id": w.green})
    w.ok("POST", f"{path}/close", "ana")
    w.ok("POST", f"{path}/publish", "ana")
    draft = {"title": "One signed, one withdrawn", "body": "B", "language": "en"}
    other = f"{w.path}/statements/{w.ok('POST', f'{w.path}/statements', 'ana', draft)['id']}"
    w.ok("POST", f"{other}/open", "ana", {})
    w.ok("POST", f"{other}/signatures", "mo", {"organisation_id": w.river})
    w.ok("POST", f"{other}/signatures", "ana", {"organisation_id": w.green})
    w.ok("POST", f"{other}/signatures/{w.green}/withdraw", "ana", {"reason": "Second thoughts"})
    w.ok("POST", f"{other}/close", "ana")
    w.ok("POST", f"{other}/publish", "ana")

    html = text(w.api.client.get("/public/statements"))

    assert titles(html) == ["One signed, one withdrawn", "Two signed"]
    assert re.findall(r'<span class="published-count">([^<]+)</span>', html) == [
        "1 signatory organisation",
        "2 signatory organisations",
    ]


def test_the_index_pages_newest_first_and_refuses_pages_that_are_not_there(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert listing.PER_PAGE == 20
    monkeypatch.setattr(listing, "PER_PAGE", 2)
    for n in range(1, 6):
        publish(world, f"Call {n}")
    client = world.api.client

    pages = [text(client.get(f"/public/statements?page={n}")) for n in (1, 2, 3)]

    assert [titles(p) for p in pages] == [["Call 5", "Call 4"], ["Call 3", "Call 2"], ["Call 1"]]
    assert titles(text(client.get("/public/statements"))) == ["Call 5", "Call 4"]
    assert "Page 2 of 3" in pages[1]
    assert 'rel="prev" href="/public/statements"' in pages[1]
    assert 'rel="next" href="/public/statements?page=3"' in pages[1]
    assert 'rel="prev"' not in pages[0] and 'rel="next"' not in pages[2]
    assert client.get("/public/statements?page=4").status_code == 404
    for bad in ("0", "-1", "abc", "1.5", "٣", "9" * 40):
        answer = client.get(f"/public/statements?page={bad}")
        assert answer.status_code == 400 and "The page number must be a whole number from 1." in text(answer), bad


def test_an_empty_index_says_so_and_still_has_its_feed(world: World) -> None:
    html = text(world.api.client.get("/public/statements"))

    assert "No statement has been published here yet." in html
    found = head_of(html)
    feeds = [link for link in found.links if link.get("type") == "application/atom+xml"]
    assert feeds == [
        {
            "rel": "alternate",
            "type": "application/atom+xml",
            "title": "Published joint statements",
            "href": f"{SITE}/public/statements.atom",
        }
    ]
    assert {"rel": "canonical", "href": f"{SITE}/public/statements"} in found.links


def test_every_page_links_to_the_index_in_its_footer(world: World) -> None:
    for path in ("/", "/verify", "/login"):
        html = text(world.api.client.get(path))
        footer = html[html.index('<footer class="site">') :]
        assert '<a href="/public/statements">Published statements</a>' in footer, path


def test_the_index_in_romanian(world: World) -> None:
    publish(world, "Clean rivers", ro="Râuri curate")
    publish(world, "Only English")

    html = text(world.api.client.get("/public/statements", headers={"Accept-Language": "ro-RO,ro;q=0.9"}))

    assert "Declarații comune publicate" in html
    assert titles(html) == ["Only English", "Râuri curate"]  # the Romanian title where there is one
    assert "1 organizație semnatară" in html
    assert re.search(r"publicată pe \d{1,2} \w+\.? \d{4}", html)
    assert "Urmăriți-le într-un cititor de fluxuri (Atom)" in html


# -- the feed -------------------------------------------------------------------------------------


def test_the_feed_is_atom_with_one_entry_per_published_statement(world: World) -> None:
    first = publish(world, "First call")
    opened(world, "Still open")
    second = publish(world, "Second call")
    client = world.api.client

    answer = client.get("/public/statements.atom")
    again = client.get("/public/statements.atom")
    feed = ET.fromstring(answer.data)

    assert answer.status_code == 200 and answer.mimetype == "application/atom+xml"
    assert answer.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert answer.data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    assert feed.tag == f"{ATOM}feed"
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", feed.findtext(f"{ATOM}id") or "")
    assert feed.findtext(f"{ATOM}title") == "Published joint statements · Coalition"
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links == {"self": f"{SITE}/public/statements.atom", "alternate": f"{SITE}/public/statements"}
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Coalition"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Second call", "First call"]
    assert feed.findtext(f"{ATOM}updated") == entries[0].findtext(f"{ATOM}updated")
    for entry, sid in zip(entries, (second, first), strict=True):
        assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", entry.findtext(f"{ATOM}id") or "")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", entry.findtext(f"{ATOM}published") or "")
        assert entry.findtext(f"{ATOM}updated") == entry.findtext(f"{ATOM}published")
        link = entry.find(f"{ATOM}link")
        assert link is not None and link.get("href") == f"{SITE}/public/statements/{sid}"
        assert link.get("rel") == "alternate" and link.get("type") == "text/html"
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Danube Rivers Coalition"
        assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert entries[0].findtext(f"{ATOM}summary") == "We ask: Second call."
    # The ids are stable: the same statement is the same entry in every reading, and entries differ.
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == [e.findtext(f"{ATOM}id") for e in ET.fromstring(again.data).findall(f"{ATOM}entry")]
    assert len(set(ids)) == 2 and feed.findtext(f"{ATOM}id") not in ids


def test_the_feed_lists_only_the_newest_statements(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from coalition.reads import published

    assert published.FEED_SIZE == 50
    monkeypatch.setattr(published, "FEED_SIZE", 2)  # three published statements stand for fifty-one
    for title in ("First call", "Second call", "Third call"):
        publish(world, title)

    feed = ET.fromstring(world.api.client.get("/public/statements.atom").data)

    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == ["Third call", "Second call"]


def test_an_unchanged_feed_is_not_sent_again(world: World) -> None:
    publish(world, "First call")
    client = world.api.client

    first = client.get("/public/statements.atom")
    same = client.get("/public/statements.atom", headers={"If-None-Match": first.headers["ETag"]})
    publish(world, "Second call")
    changed = client.get("/public/statements.atom", headers={"If-None-Match": first.headers["ETag"]})

    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Language" in first.headers["Vary"]
    assert same.status_code == 304 and same.data == b""
    assert changed.status_code == 200 and b"Second call" in changed.data


def test_an_empty_feed_is_still_valid_atom(world: World) -> None:
    feed = ET.fromstring(world.api.client.get("/public/statements.atom").data)

    assert feed.findall(f"{ATOM}entry") == []
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", feed.findtext(f"{ATOM}updated") or "")
    assert feed.findtext(f"{ATOM}id") and feed.findtext(f"{ATOM}title")


def test_a_hostile_title_is_escaped_in_the_feed_and_on_the_pages(world: World) -> None:
    sid = publish(world, HOSTILE)
    client = world.api.client

    raw = client.get("/public/statements.atom").data
    feed = ET.fromstring(raw)
    index = text(client.get("/public/statements"))
    page = text(client.get(f"/public/statements/{sid}"))

    assert feed.findtext(f"{ATOM}entry/{ATOM}title") == HOSTILE  # parsed back exactly: escaped, not interpreted
    assert b"<script>" not in raw and b"&lt;script&gt;" in raw and b"<b>" not in raw
    assert feed.find(f".//{ATOM}script") is None and feed.find(f".//{ATOM}b") is None
    for html in (index, page):
        assert "<script>alert" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert head_of(page).meta["og:title"] == [HOSTILE]


def test_the_feed_in_romanian_names_itself_in_romanian(world: World) -> None:
    publish(world, "Clean rivers", ro="Râuri curate")

    feed = ET.fromstring(world.api.client.get("/public/statements.atom", headers={"Accept-Language": "ro"}).data)

    assert feed.findtext(f"{ATOM}title") == "Declarații comune publicate · Coalition"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "ro"
    assert feed.findtext(f"{ATOM}entry/{ATOM}title") == "Clean rivers"  # an entry is in the statement's language


# -- the public page ------------------------------------------------------------------------------


def test_the_public_page_carries_preview_metadata_with_absolute_addresses(world: World) -> None:
    sid = publish(world, "Clean rivers now", ro="Râuri curate acum")
    # The Host header is the requester's: the addresses come from PUBLIC_URL, never from it.
    html = text(world.api.client.get(f"/public/statements/{sid}", headers={"Host": "evil.example"}))
    found = head_of(html)
    meta = {name: values[0] for name, values in found.meta.items()}

    url = f"{SITE}/public/statements/{sid}"
    assert meta["og:title"] == "Clean rivers now" and meta["twitter:title"] == "Clean rivers now"
    assert meta["og:type"] == "article" and meta["og:site_name"] == "Coalition"
    assert meta["og:url"] == url and meta["og:locale"] == "en_US"
    assert found.meta["og:locale:alternate"] == ["ro_RO"]
    assert meta["og:description"] == meta["twitter:description"] == meta["description"]
    assert meta["og:description"] == (
        "A joint statement of Danube Rivers Coalition, signed by 1 organisation. We ask: Clean rivers now."
    )
    assert meta["twitter:card"] == "summary"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", meta["article:published_time"])
    assert {"rel": "canonical", "href": url} in found.links
    assert {"rel": "alternate", "hreflang": "ro", "href": f"{url}?lang=ro"} in found.links
    assert "evil.example" not in html


def test_the_public_page_names_the_coalition_the_date_the_countries_the_pdfs_and_verification(world: World) -> None:
    w = world
    sid = publish(world, "Clean rivers now", ro="Râuri curate acum")

    html = text(w.api.client.get(f"/public/statements/{sid}"))
    found = head_of(html)

    when = r'<time datetime="[^"]+">\w{3} \d{1,2}, \d{4}</time>'
    assert re.search(f"Published by Danube Rivers Coalition on {when}", html)
    assert re.search(r'<tr><th scope="row">Poland</th><td>1</td></tr>', html)
    assert {f"/public/statements/{sid}.pdf?lang={code}" for code in ("en", "ro")} <= set(found.hrefs)
    assert "/verify" in found.hrefs and "/public/statements" in found.hrefs


def test_the_public_page_in_romanian_writes_the_date_the_romanian_way(world: World) -> None:
    sid = publish(world, "Clean rivers now", ro="Râuri curate acum")

    html = text(world.api.client.get(f"/public/statements/{sid}", headers={"Accept-Language": "ro"}))
    meta = head_of(html).meta

    when = r'<time datetime="[^"]+">\d{1,2} \w+\.? \d{4}</time>'
    assert re.search(f"Publicată de Danube Rivers Coalition pe {when}", html)
    assert "Polonia" in html
    assert meta["og:title"] == ["Râuri curate acum"] and meta["og:locale"] == ["ro_RO"]
    lead = "O declarație comună a Danube Rivers Coalition, semnată de 1 organizație."
    assert meta["og:description"][0].startswith(lead)
    assert "Distribuiți declarația" in html and "Copiați linkul" in html


def test_the_share_card_has_the_address_to_copy_and_an_encoded_mail(world: World) -> None:
    title = "Rivers & lakes? Yes #now 100%"
    sid = publish(world, title)

    html = text(world.api.client.get(f"/public/statements/{sid}"))
    mailto = re.search(r'<a href="(mailto:[^"]+)" class="share-mail">', html)

    url = f"{SITE}/public/statements/{sid}"
    assert f'<input id="share-url" class="share-url" type="url" value="{url}" readonly>' in html
    assert '<button type="button" class="copy-link" data-copy="share-url" hidden>Copy link</button>' in html
    assert '<script src="/static/share.js" defer></script>' in html
    assert mailto
    href = mailto.group(1).replace("&amp;", "&")
    assert href.startswith("mailto:?subject=") and " " not in href and "+" not in href
    parts = urlsplit(href)
    assert set(parse_qs(parts.query)) == {"subject", "body"}  # the title's & and # do not split the fields
    subject, body = (unquote(field.split("=", 1)[1]) for field in parts.query.split("&"))
    assert subject == f"Joint statement: {title}"
    assert "%26" in href and "%23" in href and "%25" in href and "%0D%0A" in href
    assert body.split("\r\n") == [
        title,
        "",
        body.split("\r\n")[2],
        "",
        f"Read it, see who signed it and download the sealed PDF: {url}",
    ]
    assert re.fullmatch(
        r"A joint statement of Danube Rivers Coalition, published on \w{3} \d{1,2}, \d{4} "
        r"and signed by 1 organisation\.",
        body.split("\r\n")[2],
    )


def test_the_copy_script_is_the_sites_own_file_which_the_policy_allows(world: World) -> None:
    sid = publish(world, "Clean rivers")
    page = world.api.client.get(f"/public/statements/{sid}")
    with world.api.client.get("/static/share.js") as script:
        assert script.status_code == 200 and "navigator.clipboard" in text(script)

    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "<script>" not in text(page)  # no inline script: only <script src=...>


@pytest.mark.parametrize("state", ["unknown", "draft", "open", "closed"])
def test_statements_that_are_not_published_have_no_public_page(world: World, state: str) -> None:
    w = world
    if state == "unknown":
        sid = "no-such-statement"
    elif state == "draft":
        sid = str(w.ok("POST", f"{w.path}/statements", "ana", {"title": "T", "body": "B", "language": "en"})["id"])
    else:
        sid = opened(world, "T", closed=state == "closed")

    assert w.api.client.get(f"/public/statements/{sid}").status_code == 404
    assert w.api.client.get(f"/public/statements/{sid}.pdf").status_code == 404


# -- members, after publishing ----------------------------------------------------------------------


def test_after_publishing_the_facilitator_gets_the_public_address_to_pass_on(world: World) -> None:
    sid = opened(world, "Clean rivers", closed=True)
    page = f"{world.path}/statements/{sid}"
    ana = signed_in(world, "ana")

    before = text(ana.get(page))
    answer = submit(ana, page, f"{page}/publish", {})
    after = text(ana.get(answer.headers["Location"]))

    assert 'id="share"' not in before  # closed, not published: nothing to share yet
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"{page}#share")
    assert "The statement is published. Pass on its public address: copy the link or share it by e-mail." in after
    assert f'value="{SITE}/public/statements/{sid}" readonly' in after
    assert 'class="share-mail"' in after and '<script src="/static/share.js" defer></script>' in after


def test_members_see_the_share_card_on_a_published_statement(world: World) -> None:
    sid = publish(world, "Clean rivers")
    mo = signed_in(world, "mo")

    html = text(mo.get(f"{world.path}/statements/{sid}", headers={"Accept-Language": "ro"}))

    assert f'value="{SITE}/public/statements/{sid}" readonly' in html
    assert "Trimiteți prin e-mail" in html
