"""The demo coalition's work: commitments pledged, fulfilled, withdrawn and rescheduled; tasks in every state."""

from __future__ import annotations

from datetime import timedelta

from coalition.demo.people import PEOPLE
from coalition.demo.story import Ref, Refs, Story
from coalition.handlers import coalitions as co


def plan(s: Story, path: Ref) -> None:
    """Plan the commitments and tasks of the coalition at `path`."""
    ids, today = Refs(), s.today
    pledge = co.pledge
    s.on(
        110,
        "ioana",
        pledge,
        path,
        keep="k_funding",
        organisation_id=ids["ro"],
        kind="funding",
        description="Seed grant for sampling kits",
        quantity=12000,
        unit="EUR",
        objective="o1",
        due_on=today - timedelta(days=60),
    )
    s.on(58, "ioana", co.fulfil, path, ids["k_funding"], note="Transfer receipts shared in the partners' folder")
    s.on(
        108,
        "marta",
        pledge,
        path,
        keep="k_staff",
        organisation_id=ids["pl"],
        kind="staff-time",
        description="Two field officers for the spring sampling round",
        quantity=2,
        unit="people",
        objective="o1",
        due_on=today - timedelta(days=50),
    )
    s.on(
        107,
        "aino",
        pledge,
        path,
        keep="k_training",
        organisation_id=ids["fi"],
        kind="expertise",
        description="Volunteer training curriculum and two trainers",
        objective="o3",
        due_on=today + timedelta(days=45),
    )
    s.on(
        106,
        "georgi",
        pledge,
        path,
        keep="k_outreach",
        organisation_id=ids["bg"],
        kind="outreach",
        description="Radio campaign in riverside towns",
        objective="o2",
        due_on=today - timedelta(days=40),
    )
    s.on(
        105,
        "georgi",
        pledge,
        path,
        keep="k_summit",
        organisation_id=ids["bg"],
        kind="event-hosting",
        description="Host the regional rivers summit in Ruse",
        objective="o4",
        due_on=today + timedelta(days=150),
    )
    s.on(50, "georgi", co.withdraw, path, ids["k_summit"], reason="Venue funding fell through")
    s.on(
        104,
        "eszter",
        pledge,
        path,
        keep="k_lab",
        organisation_id=ids["hu"],
        kind="in-kind",
        description="Laboratory analysis of 200 water samples",
        quantity=200,
        unit="samples",
        objective="o1",
        due_on=today - timedelta(days=20),
    )
    s.on(22, "eszter", co.fulfil, path, ids["k_lab"], note="Lab report no. 2024-117 uploaded")
    s.on(
        40,
        "marta",
        co.reschedule,
        path,
        ids["k_staff"],
        due_on=today - timedelta(days=12),
        reason="Hiring took longer than planned",
    )
    task = co.create_task
    s.on(
        100,
        "ioana",
        task,
        path,
        keep="t_sites",
        title="Choose the 40 sampling sites",
        description="Agree the site list with every partner",
        organisation_id=ids["ro"],
        assignee_email=PEOPLE["ioana"][0],
        due_on=today - timedelta(days=70),
        objective="o1",
    )
    s.on(72, "ioana", co.complete_task, path, ids["t_sites"], note="Site list approved on the March call")
    s.on(
        99,
        "marta",
        task,
        path,
        keep="t_sampling",
        title="Spring sampling round in Poland",
        description="Sample the ten Polish sites twice",
        organisation_id=ids["pl"],
        assignee_email=PEOPLE["marta"][0],
        due_on=today + timedelta(days=20),
        commitment_id=ids["k_staff"],
    )
    s.on(98, "marta", co.accept_task, path, ids["t_sampling"])
    s.on(
        97,
        "ioana",
        task,
        path,
        keep="t_brief",
        title="Draft the policy brief",
        description="Five pages with the first results",
        organisation_id=ids["hu"],
        due_on=today - timedelta(days=5),
        objective="o2",
    )
    s.on(
        96,
        "ioana",
        task,
        path,
        keep="t_translate",
        title="Translate the brief into Bulgarian",
        description="Once the draft is agreed",
        organisation_id=ids["bg"],
        due_on=today + timedelta(days=30),
        objective="o2",
    )
    s.on(
        30,
        "ioana",
        co.reassign_task,
        path,
        ids["t_translate"],
        organisation_id=ids["ro"],
        reason="Dunav Civic Network asked to focus on the radio campaign",
    )
    s.on(
        95,
        "aino",
        task,
        path,
        keep="t_curriculum",
        title="Share the training curriculum",
        description="Adapt the Finnish curriculum for partners",
        organisation_id=ids["fi"],
        assignee_email=PEOPLE["aino"][0],
        due_on=today + timedelta(days=10),
        objective="o3",
    )
    s.on(
        94,
        "ioana",
        task,
        path,
        keep="t_logo",
        title="Design a coalition logo",
        description="Optional",
        organisation_id=ids["ro"],
        due_on=today + timedelta(days=60),
    )
    s.on(60, "ioana", co.drop_task, path, ids["t_logo"], reason="Partners prefer to use their own logos")
