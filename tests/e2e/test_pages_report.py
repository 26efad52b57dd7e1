"""The partnership report pages: the members' page, its downloads, publishing, the public page, the verify page."""

from __future__ import annotations

import io
import re

from tests.e2e.pages import signed_in, submit, text
from tests.e2e.test_pages_refusals_in_romanian import in_romanian
from tests.e2e.world import World


def test_a_member_sees_the_report_page_with_a_download_per_language(world: World) -> None:
    client = signed_in(world, "mo")
    page = client.get(f"{world.path}/report")
    body = text(page)

    assert page.status_code == 200
    assert f"{world.path}/report.pdf?lang=en" in body and f"{world.path}/report.pdf?lang=ro" in body
    assert "Publish the report" not in body  # a member who does not facilitate
    pdf = client.get(f"{world.path}/report.pdf?lang=ro")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"


def test_the_page_as_of_a_day_links_reports_as_of_that_day(world: World) -> None:
    client = signed_in(world, "mo")
    day = world.ok("GET", f"{world.path}/events", "ana")["events"][0]["recorded_at"][:10]
    body = text(client.get(f"{world.path}/report?as_of={day}"))

    assert f"as_of={day}" in body and "Drawn from the log at position" in body


def test_a_day_in_the_future_or_not_a_date_is_a_400_saying_so(world: World) -> None:
    client = signed_in(world, "mo")
    future = client.get(f"{world.path}/report?as_of=2999-01-01")
    garbled = client.get(f"{world.path}/report?as_of=soon")

    assert future.status_code == 400 and "in the future" in text(future)
    assert garbled.status_code == 400 and "year-month-day" in text(garbled)


def test_someone_from_outside_the_coalition_is_refused(world: World) -> None:
    client = signed_in(world, "olli")

    assert client.get(f"{world.path}/report").status_code == 403
    assert client.get(f"{world.path}/report.pdf").status_code == 403


def test_a_facilitator_publishes_and_the_public_page_offers_the_pdf(world: World) -> None:
    client = signed_in(world, "ana")
    page = f"{world.path}/report"
    assert "Publish the report" in text(client.get(page))
    published = submit(client, page, f"{page}/publish", {"publish-language": "ro", "form_key": "1" * 32})

    assert published.status_code == 302
    public = published.headers["Location"]
    assert re.fullmatch(r".*/public/reports/[0-9a-f]{32}", public)
    anonymous = world.api.app.test_client()
    body = text(anonymous.get(public))
    assert "Danube Rivers Coalition" in body and "?lang=ro" in body and "?lang=en" not in body
    pdf = anonymous.get(f"{public}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert anonymous.get(f"{public}.pdf?lang=en").status_code == 404  # published in Romanian only
    assert public.rsplit("/", 1)[1] in text(client.get(page))  # listed on the members' page

    checked = anonymous.get("/verify")
    assert checked.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(checked))
    assert token
    answer = anonymous.post(
        "/verify",
        data={"csrf_token": token.group(1), "file": (io.BytesIO(pdf.data), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 200 and "Genuine and current" in text(answer)
    assert "Partnership report of Danube Rivers Coalition" in text(answer)


def test_a_member_who_does_not_facilitate_cannot_publish(world: World) -> None:
    client = signed_in(world, "mo")
    before = world.api.head()
    refused = submit(client, f"{world.path}/report", f"{world.path}/report/publish", {"form_key": "2" * 32})

    assert refused.status_code == 403 and world.api.head() == before


def test_a_day_before_the_coalition_existed_says_so_in_romanian(world: World) -> None:
    client = in_romanian(world, "mo")
    page = client.get(f"{world.path}/report?as_of=2020-01-01")

    assert page.status_code == 400 and "Coaliția nu exista încă la sfârșitul zilei de 2020-01-01." in text(page)
