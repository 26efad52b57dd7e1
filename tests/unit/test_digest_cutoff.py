"""When a person's daily digest is due: their hour on their own clock."""

from __future__ import annotations

from datetime import datetime

from coalition.notify.digest import cutoff


def test_the_digests_cutoff_reads_the_hour_on_the_zones_clock_across_a_change_of_the_clocks() -> None:
    # 29 March 2026, Bucharest: 03:00 became 04:00. A 03:00 digest that day is read at 04:00 (01:00 UTC).
    assert cutoff(3, datetime(2026, 3, 29, 1, 30), "Europe/Bucharest") == datetime(2026, 3, 29, 1, 0)
    assert cutoff(3, datetime(2026, 3, 29, 0, 30), "Europe/Bucharest") == datetime(2026, 3, 28, 1, 0)
    assert cutoff(7, datetime(2026, 7, 1, 4, 0), "Europe/Bucharest") == datetime(2026, 7, 1, 4, 0)  # UTC+3
    assert cutoff(7, datetime(2026, 7, 1, 3, 59), "Europe/Bucharest") == datetime(2026, 6, 30, 4, 0)
    assert cutoff(7, datetime(2026, 7, 1, 3, 59)) == datetime(2026, 6, 30, 7, 0)  # no zone: UTC, as before
    # Kiritimati (UTC+14): its day starts before UTC's; its 07:00 on 2 July is 17:00 UTC on 1 July
    assert cutoff(7, datetime(2026, 7, 1, 17, 0), "Pacific/Kiritimati") == datetime(2026, 7, 1, 17, 0)
