"""Timestamped statement PDFs through the app: the API and the verdict page report the timestamp, and a timestamp
authority that is down makes the download a 503 with nothing served (and nothing cached)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pyhanko.sign.timestamps import HTTPTimeStamper

from coalition.pdf.export import for_app
from tests.e2e.test_statement_pdf import download, published, verify
from tests.e2e.world import Api, World, error_of
from tests.tsa import LoopbackTsa, tsa

__all__ = ["tsa"]  # the fixture, used by name


def page_for(api: Api, pdf: bytes) -> str:
    form = api.client.get("/verify").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    response = api.client.post(
        "/verify", data={"csrf_token": csrf, "file": (io.BytesIO(pdf), "s.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_a_timestamped_pdf_shows_its_time_in_the_api_and_the_verdict(world: World, api: Api, tsa: LoopbackTsa) -> None:
    sealer, _ = for_app(api.app)
    sealer.timestamper = HTTPTimeStamper(tsa.url)
    statement = published(world)
    pdf = download(world, statement.path).data
    answer: dict[str, Any] = verify(api, pdf)
    assert answer["valid"] and answer["verdict"] == "current"
    stamp = answer["seal"]["timestamp"]
    assert stamp["valid"] is True and "Test Time Stamping Authority" in stamp["authority"]
    assert stamp["time"][:10] == answer["seal"]["signed_at"][:10]
    assert {"intact", "ours", "whole_file", "signed_at", "certificate_sha256", "signer"} <= set(answer["seal"])
    page = page_for(api, pdf)
    assert f"Sealed at {stamp['time']} (timestamped by" in page and "Test Time Stamping Authority" in page


def test_an_untimestamped_pdf_says_so(world: World, api: Api) -> None:
    statement = published(world)
    answer = verify(api, download(world, statement.path).data)
    assert answer["valid"] and answer["seal"]["timestamp"] is None
    assert "timestamped by" not in page_for(api, download(world, statement.path).data)


def test_a_tsa_that_is_down_makes_the_download_a_503_and_caches_nothing(world: World, api: Api) -> None:
    down = LoopbackTsa()
    down.stop()
    sealer, cache = for_app(api.app)
    sealer.timestamper = HTTPTimeStamper(down.url)
    statement = published(world)
    response = world.api.call("GET", f"{statement.path}.pdf", world.who("mo"))
    error = error_of(response, 503, "unavailable")
    assert "timestamp authority did not answer" in error["message"]
    assert not list(cache.directory.glob("*.pdf")) if cache.directory.exists() else True


def test_turning_timestamps_on_makes_new_pdfs_rather_than_serving_cached_ones(
    world: World, api: Api, tsa: LoopbackTsa
) -> None:
    statement = published(world)
    assert verify(api, download(world, statement.path).data)["seal"]["timestamp"] is None
    for_app(api.app)[0].timestamper = HTTPTimeStamper(tsa.url)
    again = download(world, statement.path)
    assert again.headers["X-Cache"] == "miss" and verify(api, again.data)["seal"]["timestamp"]["valid"]


def cli_verdict(api: Api, pdf: bytes, directory: Path) -> str:
    path = directory / "statement.pdf"
    path.write_bytes(pdf)
    result = api.app.test_cli_runner().invoke(args=["statements", "verify-pdf", str(path)])
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_the_cli_prints_the_seals_timestamp_and_its_authority(
    world: World, api: Api, tsa: LoopbackTsa, tmp_path: Path
) -> None:
    for_app(api.app)[0].timestamper = HTTPTimeStamper(tsa.url)
    pdf = download(world, published(world).path).data
    stamp = verify(api, pdf)["seal"]["timestamp"]
    output = cli_verdict(api, pdf, tmp_path)
    assert f"Timestamp: {stamp['time']}, by {stamp['authority']} (valid)" in output
    assert "Test Time Stamping Authority" in output and "GENUINE AND CURRENT" in output


def test_the_cli_says_when_the_seal_has_no_timestamp(world: World, api: Api, tmp_path: Path) -> None:
    output = cli_verdict(api, download(world, published(world).path).data, tmp_path)
    assert "Timestamp: none (the seal's time is only what the platform claims)" in output
