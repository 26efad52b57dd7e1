"""Time zones: the names taken, wall-clock times to UTC at the clocks' changes, instants shown in a zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask_babel import Babel, force_locale

from coalition.domain import zones
from coalition.domain.base import Change, Invalid
from coalition.domain.coalition import Actor, AmendAgreement, FoundCoalition, decide, evolve
from coalition.domain.event_types import registry
from coalition.infra.formats import (
    localised_day,
    localised_moment,
    reader_zone,
    reading_zone,
    written_day,
    written_moment,
)
from coalition.pdf.dates import moment
from tests.unit.test_coalition_domain import agreement, run

ANA = Actor("u-ana", frozenset({"org-a"}))
BUCHAREST = "Europe/Bucharest"


def test_the_zones_taken_are_iana_names_with_utc_and_without_the_database_files() -> None:
    assert zones.is_zone(BUCHAREST) and zones.is_zone("UTC") and zones.is_zone("America/New_York")
    assert not zones.is_zone("Mars/Olympus_Mons") and not zones.is_zone("localtime") and not zones.is_zone("")
    assert not zones.is_zone(None) and not zones.is_zone("europe/bucharest")  # names are exact
    assert list(zones.zones()) == sorted(zones.zones())
    assert zones.canonical("Etc/UTC") == "UTC" and zones.canonical(BUCHAREST) == BUCHAREST  # a server's browser


def test_a_wall_time_in_winter_and_in_summer_is_moved_by_the_offset_of_that_day() -> None:
    assert zones.local_to_utc(datetime(2026, 12, 20, 19, 0), BUCHAREST) == datetime(2026, 12, 20, 17, 0, tzinfo=UTC)
    assert zones.local_to_utc(datetime(2026, 7, 1, 19, 0), BUCHAREST) == datetime(2026, 7, 1, 16, 0, tzinfo=UTC)
    assert zones.local_to_utc(datetime(2026, 7, 1, 19, 0), "UTC") == datetime(2026, 7, 1, 19, 0, tzinfo=UTC)


def test_a_wall_time_the_clocks_skip_is_read_on_the_offset_before_the_change() -> None:
    # 29 March 2026 in Bucharest: 03:00 became 04:00, so 03:30 never happened; fold=0 reads it on +02:00.
    skipped = zones.local_to_utc(datetime(2026, 3, 29, 3, 30), BUCHAREST)
    assert skipped == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert zones.utc_to_local(skipped, BUCHAREST).strftime("%H:%M %z") == "04:30 +0300"  # an hour later there


def test_a_wall_time_that_happens_twice_is_its_first_occurrence() -> None:
    # 25 October 2026 in Bucharest: 04:00 became 03:00 again, so 03:30 happened on +03:00 and then on +02:00.
    twice = zones.local_to_utc(datetime(2026, 10, 25, 3, 30), BUCHAREST)
    assert twice == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_an_aware_time_keeps_its_offset_and_an_unknown_zone_reads_as_utc() -> None:
    aware = datetime(2026, 12, 20, 19, 0, tzinfo=zones.utc_to_local(datetime(2026, 12, 20), BUCHAREST).tzinfo)
    assert zones.local_to_utc(aware, "UTC") == datetime(2026, 12, 20, 17, 0, tzinfo=UTC)
    assert zones.zone_or_default("Nowhere/Else") == "UTC"


@pytest.fixture
def app() -> Iterator[Flask]:
    app = Flask(__name__)
    Babel(app)
    with app.app_context():
        yield app


def test_pages_show_an_instant_on_the_readers_clock_with_the_zone_named(app: Flask) -> None:
    at = "2026-12-20T17:00:00+00:00"
    assert localised_moment(at) == "Dec 20, 2026, 5:00\u202fPM UTC" and reader_zone() == "UTC"
    with reading_zone(BUCHAREST):
        assert localised_moment(at) == "Dec 20, 2026, 7:00\u202fPM Europe/Bucharest"
        assert written_moment(at) == "December 20, 2026, 19:00 Europe/Bucharest"
        assert localised_day("2026-12-20T23:30:00+00:00") == "Dec 21, 2026"  # already the next day there
        assert localised_day("2026-12-20") == "Dec 20, 2026"  # a day is a day everywhere
        with force_locale("ro"):
            assert written_moment(at) == "20 decembrie 2026, 19:00 Europe/Bucharest"
        with force_locale("hu"):  # each language's own order, not one pattern with its month names
            assert written_moment(at) == "2026. december 20., 19:00 Europe/Bucharest"
            assert written_day("2028-12-31") == "2028. december 31."
        with force_locale("fi"):
            assert written_day("2026-12-07") == "7. joulukuuta 2026"
        with force_locale("bg"):
            assert written_day("2026-12-07") == "7 декември 2026\u202fг."
    assert reader_zone() == "UTC" and written_moment(at) == "December 20, 2026, 17:00 UTC"  # put back after


def test_a_document_shows_utc_and_the_coalitions_zone_the_day_there_when_it_differs() -> None:
    at = datetime(2026, 12, 20, 17, 0, tzinfo=UTC)
    assert moment(at, "en", BUCHAREST) == "December 20, 2026, 17:00 UTC (19:00 Europe/Bucharest)"
    assert moment(at, "en", "UTC") == "December 20, 2026, 17:00 UTC"
    assert moment(at, "en", None) == "December 20, 2026, 17:00 UTC"  # an older coalition: none stated
    late = datetime(2026, 12, 20, 23, 30, tzinfo=UTC)
    assert moment(late, "ro", BUCHAREST) == "20 decembrie 2026, 23:30 UTC (21 decembrie 2026, 01:30 Europe/Bucharest)"


# -- the coalition's zone, in the log ---------------------------------------------------------------------


def test_a_coalition_founded_with_a_zone_records_it_and_an_amendment_changes_it() -> None:
    changes, state = run(None, FoundCoalition("c1", "org-a", "r-fac", agreement(time_zone=BUCHAREST)), ANA)
    assert changes[0].payload["time_zone"] == BUCHAREST and state.agreement.time_zone == BUCHAREST
    amended, state = run(state, AmendAgreement(agreement(time_zone="Europe/Helsinki")), ANA)
    assert amended[0].payload["time_zone"] == "Europe/Helsinki" and state.agreement.time_zone == "Europe/Helsinki"


def test_an_unknown_zone_is_refused_naming_the_field() -> None:
    with pytest.raises(Invalid) as refused:
        decide(None, FoundCoalition("c1", "org-a", "r-fac", agreement(time_zone="Mars/Base")), ANA, date(2025, 3, 1))
    assert str(refused.value).startswith("time_zone: use a time zone name from the IANA database")


def test_a_founding_event_recorded_before_zones_still_loads_and_reads_as_no_zone() -> None:
    changes, _ = run(None, FoundCoalition("c1", "org-a", "r-fac", agreement()), ANA)
    old = {k: v for k, v in changes[0].payload.items() if k != "time_zone"}
    assert "time_zone" not in changes[0].payload  # none stated: the field is left out, as before
    registry.validate("CoalitionFounded", old)
    state = evolve(None, Change("CoalitionFounded", old))
    assert state is not None and state.agreement.time_zone is None


def test_a_day_filter_on_the_pages_is_the_readers_day_and_the_apis_is_utcs() -> None:
    from coalition.web.reading import _bound

    assert _bound("2026-12-20", "since", False) == datetime(2026, 12, 20, tzinfo=UTC)  # the API: UTC days
    assert _bound("2026-12-20", "until", True) == datetime(2026, 12, 21, tzinfo=UTC)
    assert _bound("2026-12-20", "since", False, BUCHAREST) == datetime(2026, 12, 19, 22, tzinfo=UTC)
    assert _bound("2026-12-20", "until", True, BUCHAREST) == datetime(2026, 12, 20, 22, tzinfo=UTC)
    assert _bound("2026-07-01", "since", False, BUCHAREST) == datetime(2026, 6, 30, 21, tzinfo=UTC)  # summer time
    instant = "2026-12-20T17:00:00Z"  # an instant is the same instant on every clock
    assert _bound(instant, "since", False, BUCHAREST) == datetime(2026, 12, 20, 17, tzinfo=UTC)


def test_the_instants_a_refusal_names_are_on_the_readers_clock(app: Flask) -> None:
    from coalition.domain.base import RuleBroken
    from coalition.web.errors import translated

    refusal = RuleBroken("the deadline must be in the future (it is now %(now)s)", now="2026-12-20T17:00:00+00:00")
    with app.test_request_context("/"), reading_zone(BUCHAREST):
        assert (
            translated(refusal)
            == "the deadline must be in the future (it is now Dec 20, 2026, 7:00\u202fPM Europe/Bucharest)"
        )
