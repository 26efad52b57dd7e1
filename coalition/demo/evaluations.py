"""The demo coalition's first evaluation round: opened by the facilitator, answered by four members, closed with a
summary and lessons learned (the coalition's home and the evaluation pages show it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from coalition.demo.story import Ref, Refs, Story
from coalition.domain.policy.evaluations import DEFAULT_QUESTIONS
from coalition.handlers import evaluations

#: Each organisation's answers to the four default questions: (rating, comment), in the questions' order.
ANSWERS = {
    ("marta", "pl"): (
        (4, "Sampling sites grow every month."),
        (3, "The monthly call is useful, but minutes come late."),
        (2, "Two partners carry most of the tasks."),
        (5, "Share the minutes within a week and rotate the tasks."),
    ),
    ("aino", "fi"): (
        (4, "The Finnish sites joined the common protocol."),
        (4, "Good, once the call moved to a time that suits Helsinki."),
        (3, "Fair for now; the summit needs a new host."),
        (4, "Find a host for the summit early."),
    ),
    ("ioana", "ro"): (
        (3, "Volunteers are behind the plan."),
        (4, "Partners answer quickly by e-mail."),
        (3, "We coordinate and also carry much of the fieldwork."),
        (4, "More volunteer training days in the spring."),
    ),
    ("eszter", "hu"): (
        (4, "The data are good enough for a policy brief."),
        (3, "We would like the work plan shared in advance."),
        (3, ""),
        (4, "Publish the first results together."),
    ),
}
SUMMARY = (
    "The partners think the monitoring is on its way and that the monthly call works. The division of tasks is the "
    "weak point: Fundacja Czysta Wisła and Asociația Râuri Curate carry most of the work."
)
LESSONS = "Minutes within a week of each call; tasks rotated each quarter; a host for the summit found by spring."


def plan(s: Story, path: Ref, organisations: Mapping[str, Ref]) -> None:
    """Plan the round of the coalition at `path` (`organisations`: the founding's ids by key)."""
    ids, today = Refs(), s.today
    s.on(
        52,
        "ioana",
        evaluations.open_evaluation,
        path,
        keep="evaluation_spring",
        title="First review of the partnership",
        questions=DEFAULT_QUESTIONS,
        closes_on=today - timedelta(days=40),
    )
    for days, ((person, key), given) in zip((50, 48, 47, 45), ANSWERS.items(), strict=True):
        answers = [{"question_id": f"q{n}", "rating": r, "comment": c} for n, (r, c) in enumerate(given, 1)]
        s.on(
            days,
            person,
            evaluations.respond,
            path,
            ids["evaluation_spring"],
            organisation_id=organisations[key],
            answers=answers,
        )
    s.on(38, "ioana", evaluations.close_evaluation, path, ids["evaluation_spring"], summary=SUMMARY, lessons=LESSONS)
