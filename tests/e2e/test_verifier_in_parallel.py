"""Hostile uploads in parallel: each answered "could not be checked" within the wall cap, the server's own memory
bounded, at most `VERIFY_CONCURRENCY` checks at once (a further one waits, then gets 503 with Retry-After), and a
genuine PDF still checks afterwards."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from coalition.pdf import sandbox
from coalition.pdf.export import for_app
from tests.e2e.pages import csrf
from tests.e2e.test_statement_pdf import download, published
from tests.e2e.test_verifier import hex_string_pdf, peak_kb, zlib_bomb_pdf
from tests.e2e.world import Api, World


def encoded(data: bytes) -> tuple[bytes, str]:
    """A multipart body holding `data` as the field `file`, made before any measurement."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "s.pdf")})
    return body, f"multipart/form-data; boundary={boundary}"


def post_all(api: Api, bodies: list[tuple[bytes, str]]) -> list[tuple[float, Any]]:
    """Post every body to POST /api/v1/verify at once, each from its own thread and client: (seconds, response)."""
    answers: list[tuple[float, Any]] = [(0.0, None)] * len(bodies)
    start = threading.Barrier(len(bodies))

    def send(index: int) -> None:
        client = api.app.test_client()
        body, content_type = bodies[index]
        start.wait()
        began = time.monotonic()
        response = client.post("/api/v1/verify", data=body, content_type=content_type)
        answers[index] = (time.monotonic() - began, response)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


@pytest.mark.slow
def test_four_hostile_uploads_at_once_are_each_could_not_be_checked_and_memory_stays_bounded(
    world: World, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.app.config["VERIFY_CONCURRENCY"] = 4
    for_app(api.app)  # the app's settings, the checkers' concurrency among them, are applied on first use
    checks: list[float] = []
    inspect = sandbox.inspect

    def timed(certificate: bytes, pdf: bytes) -> object:
        began = time.monotonic()
        try:
            return inspect(certificate, pdf)
        finally:
            checks.append(time.monotonic() - began)

    monkeypatch.setattr(sandbox, "inspect", timed)
    bodies = [encoded(zlib_bomb_pdf()), encoded(hex_string_pdf()), encoded(zlib_bomb_pdf()), encoded(hex_string_pdf())]
    before = peak_kb()

    answers = post_all(api, bodies)

    grown = peak_kb() - before
    print(f"the server grew by {grown} kB; answers in {[round(s, 1) for s, _ in answers]} s; checks in {checks} s")
    # The wall cap runs from when the upload is handed to its child; starting a child (four at once, on a loaded
    # 2-core machine) comes before it.
    assert len(checks) == 4 and all(check < sandbox.WALL_SECONDS + 3 for check in checks)
    for seconds, response in answers:
        assert response is not None and response.status_code == 200
        assert (response.json["valid"], response.json["verdict"]) == (False, "unreadable")
        assert "could not be checked" in response.json["reasons"][0]
        # Reading a 19.9 MB multipart body, four at once, in Python, on a shared 2-core machine, comes on top of
        # the check, which the wall cap bounds (below).
        assert seconds < sandbox.WALL_SECONDS + 20
    # The uploads themselves (2 x 19.9 MB, read once each) are the server's; the gigabyte and the parsing are
    # the children's, each limited to 512 MB.
    assert grown < 250_000, f"the server grew by {grown} kB"
    statement = published(world)
    genuine = api.client.post(
        "/api/v1/verify", data={"file": (io.BytesIO(download(world, statement.path).data), "s.pdf")}
    )
    assert genuine.json["verdict"] == "current"


def test_a_check_past_the_concurrency_waits_then_gets_503_with_retry_after(
    world: World, api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = download(world, published(world).path).data  # the app's settings are applied: now limit it
    sandbox.limit(1)
    monkeypatch.setattr(sandbox, "WAIT_SECONDS", 0.3)
    held = sandbox.slot(0)  # the one checker is busy with someone else's upload
    assert held is not None
    try:
        started = time.monotonic()
        refused = api.client.post("/api/v1/verify", data={"file": (io.BytesIO(pdf), "s.pdf")})
        assert time.monotonic() - started >= 0.3
        assert refused.status_code == 503 and refused.headers["Retry-After"] == str(sandbox.RETRY_AFTER)
        assert refused.json["error"]["code"] == "unavailable"
        assert refused.json["error"]["message"] == (
            "every checker is busy with other uploads: nothing was checked, try again in 15 seconds"
        )
        client = api.client
        client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro", "next": "/"})
        token = csrf(client, "/verify")
        page = client.post(
            "/verify",
            data={"csrf_token": token, "file": (io.BytesIO(pdf), "s.pdf")},
            content_type="multipart/form-data",
        )
        assert page.status_code == 503 and page.headers["Retry-After"] == "15"
        assert "toate verificatoarele sunt ocupate" in page.get_data(as_text=True).lower()
    finally:
        held.release()
    answer = api.client.post("/api/v1/verify", data={"file": (io.BytesIO(pdf), "s.pdf")})
    assert answer.status_code == 200 and answer.json["verdict"] == "current"  # the slot is free again


def test_the_concurrency_defaults_to_the_number_of_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    sandbox.limit(0)
    taken = [sandbox.slot(0) for _ in range(4)]
    try:
        assert [t is not None for t in taken] == [True, True, True, False]
    finally:
        for t in taken:
            if t is not None:
                t.release()
        sandbox.limit(None)
