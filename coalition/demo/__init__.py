"""Demo data: a believable coalition from the guides' world, recorded through the real handlers.

`flask demo load` plays a four-month story into an empty database, each step recorded on its own
day, so that standing, the audit history and "as of" views have a past to show. The story's
machinery is `story`; its people are in `people`; what happens is told in `founding` (accounts,
organisations, the coalition and its members), `work` (commitments and tasks), `progress` (values
on the objectives), `evaluations` (a closed evaluation round) and `statements`.
"""

from __future__ import annotations

from datetime import date

from coalition.demo.founding import plan
from coalition.demo.people import PASSWORD, PEOPLE
from coalition.demo.story import Story
from coalition.infra.extensions import Services

__all__ = ["PASSWORD", "PEOPLE", "NotEmpty", "load"]


class NotEmpty(RuntimeError):
    """Demo data goes only into a database without events."""


def load(services: Services, today: date) -> dict[str, str]:
    """Record the demo story; NotEmpty if the log already holds events. Returns the ids it made."""
    if services.store.head()[0] != 0:
        raise NotEmpty("the database already holds events: demo data loads only into an empty database")
    clock = services.store.clock
    story = Story(services, today)
    try:
        plan(story)
        story.play()
    finally:
        services.store.clock = clock
    return story.ids
