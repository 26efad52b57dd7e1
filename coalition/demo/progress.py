"""The demo coalition's progress on its objectives: values the liaisons and the facilitator recorded, one corrected."""

from __future__ import annotations

from datetime import timedelta

from coalition.demo.story import Ref, Refs, Story
from coalition.handlers import progress


def plan(s: Story, path: Ref) -> None:
    """Plan the progress points of the coalition at `path` (objective o1: sites, o3: volunteers)."""
    ids, today = Refs(), s.today
    record = progress.record_progress
    s.on(90, "marta", record, path, "o1", value=4, as_of=today - timedelta(days=91), note="First sampling round")
    s.on(60, "marta", record, path, "o1", keep="p_wrong", value=41, as_of=today - timedelta(days=61), note="Typo")
    s.on(59, "marta", record, path, "o1", value=11, as_of=today - timedelta(days=61), supersedes=ids["p_wrong"])
    s.on(30, "aino", record, path, "o1", value=16, as_of=today - timedelta(days=31), note="Finnish sites added")
    s.on(40, "ioana", record, path, "o3", value=25, as_of=today - timedelta(days=42), note="Two training days")
