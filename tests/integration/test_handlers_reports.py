"""Publishing the partnership report on a real store, without HTTP: the event names the position and its hash, the
report folded from the log there is what it shows, and a refusal records nothing."""

from __future__ import annotations

from datetime import date

from coalition.domain.base import NotAllowed
from coalition.handlers import reports as handlers
from coalition.reads.exports import log_head
from coalition.reads.partnership import partnership
from coalition.reads.report_log import founded_at, published_report, published_reports
from tests.integration.desk import TODAY, Desk, desk, founded

__all__ = ["desk"]  # the fixture


def test_a_facilitator_publishes_the_report_at_the_logs_head(desk: Desk) -> None:
    ids = founded(desk)
    engine = desk.services.engine
    with engine.connect() as connection:
        position, chain_hash = log_head(connection)
        start = founded_at(connection, ids.coalition)
    assert start is not None
    answer = handlers.publish_report(
        desk.as_("ana"),
        ids.coalition,
        position=position,
        chain_hash=chain_hash,
        day=TODAY,
        language=None,
        founded_at=start,
    )

    with engine.connect() as connection:
        listed = published_reports(connection, ids.coalition)
        found = published_report(connection, answer["id"])
        then = partnership(connection, ids.coalition, position, TODAY)
        before = partnership(connection, ids.coalition, start, TODAY)
    assert desk.types()[-1] == "ReportPublished"
    assert found is not None and (found["position"], found["chain_hash"]) == (position, chain_hash)
    assert [r["report_id"] for r in listed] == [answer["id"]]
    assert then is not None and {m.name for m in then.members} == {"Green Earth", "River Watch"}
    assert before is not None and [m.name for m in before.members] == ["Green Earth"]  # as founded


def test_a_member_who_does_not_facilitate_may_not_publish(desk: Desk) -> None:
    ids = founded(desk)
    with desk.services.engine.connect() as connection:
        position, chain_hash = log_head(connection)

    desk.refused(
        NotAllowed,
        lambda: handlers.publish_report(
            desk.as_("bo"),
            ids.coalition,
            position=position,
            chain_hash=chain_hash,
            day=date(2025, 3, 1),
            language="ro",
            founded_at=1,
        ),
    )
