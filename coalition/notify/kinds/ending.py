"""A coalition's end coming: `coalition_ending` goes to its facilitators 60 and 14 days before the agreement's
`ends_on` (`policy.reminder_due`), to renew (amend the agreement's end date) or close it, saying how many days
truly are left. A reminder missed on its day (the loop was down) goes out late: the 60-day one until the 14-day
one takes over, the 14-day one until the day before the end. Each goes once per end date whatever the number of
turns (its key has the end date and the reminder, not the day), so a renewal that moves the end makes both due
again. Not for a coalition without an end date or already closed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy.engine import Connection

from coalition.notify.messages import Notice
from coalition.notify.reactor import reminder
from coalition.reads import ending, people


@reminder
def coalitions_ending(connection: Connection, today: date) -> Iterator[Notice]:
    """The facilitators of each running coalition whose agreement ends in 60 or 14 days."""
    for row in ending.ending_soon(connection, today):
        coalition_id = row["coalition_id"]
        context = {
            "coalition": row["name"],
            "ends_on": str(row["ends_on"]),
            "days": row["days_left"],
            "path": f"/coalitions/{coalition_id}/close",
            "agreement_path": f"/coalitions/{coalition_id}/agreement",
        }
        for user_id in sorted(people.facilitators(connection, coalition_id, today)):
            occasion = f"{row['ends_on']}-{row['stage']}"
            on_its_day = (date.fromisoformat(str(row["ends_on"])) - timedelta(days=int(row["stage"]))).isoformat()
            yield Notice(
                "coalition_ending",
                user_id,
                "coalition_ending",
                context,
                coalition_id,
                occasion=occasion,
                keyed_before_on=on_its_day,  # sent on its day before a late one could be: keyed by that day
            )
