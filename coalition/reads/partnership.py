"""A coalition's partnership report as the log holds it at one position, folded from its events, never read from
the read-model tables (like a statement's PDF: `coalition.reads.logged`).

The coalition's stream is folded with the domain's `evolve` (agreement, members, commitments, tasks), its
statements' streams with theirs (which signatures count is `policy.counted`), the members' organisations
from the one event that names them. Standing is `policy.standing_level` on the day the report counts as.
`Partnership.figures()` is the report's content as plain data, in no language: its hash is what the sealed
PDF's proof names, and what verification recomputes from the log.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Connection

from coalition.domain import coalition_state, policy, statement_state
from coalition.domain.base import Change
from coalition.domain.coalition_state import Agreement, Coalition, Objective, ProgressPoint
from coalition.domain.policy import evaluations
from coalition.domain.policy.objectives import ObjectiveProgress, progress_of
from coalition.reads.logged import Event, organisations, read
from coalition.reads.report_log import statement_streams

#: Member states the report lists (a declined request was never a membership).
LISTED = ("active", "suspended", "invited", "requested", "left")


@dataclass(frozen=True, slots=True)
class MemberLine:
    """A member organisation, its standing on the report's day and its commitments' figures."""

    organisation_id: str
    name: str
    country: str
    state: str
    verified: bool
    level: str  # good, attention, lapsed (policy.standing_level)
    suspension_reason: str | None
    overdue_items: int
    days_overdue: int
    pledged: int  # every commitment it pledged
    fulfilled: int
    withdrawn: int
    overdue: int  # still open and past due on the day


@dataclass(frozen=True, slots=True)
class TaskLine:
    """A task of the division of tasks."""

    task_id: str
    title: str
    organisation: str
    due_on: date
    state: str
    days_overdue: int


@dataclass(frozen=True, slots=True)
class ObjectiveLine:
    """An objective of the agreement, what is pledged to it, and its progress (`policy.objectives.progress_of`)."""

    objective: Objective
    commitments: int  # commitments pledged to it (not withdrawn)
    tasks: int  # tasks towards it (not dropped)
    points: tuple[ProgressPoint, ...]  # every point recorded by the position, corrections and superseded ones too
    progress: ObjectiveProgress


@dataclass(frozen=True, slots=True)
class EvaluationLine:
    """The latest closed evaluation round: its title, closing day, how many answered, its summary and lessons, and
    each question's average rating (`policy.evaluations.results`)."""

    evaluation_id: str
    title: str
    closes_on: date
    responses: int
    summary: str | None
    lessons: str | None
    averages: tuple[tuple[str, float | None, int], ...]  # (question, average rating, how many answered it)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """A statement published by the report's position, and how many signatures count."""

    statement_id: str
    language: str
    titles: dict[str, str]  # by language
    signatures: int
    published_position: int

    def title(self, language: str) -> str:
        """The title in `language` where there is one, else in the statement's own."""
        return self.titles.get(language) or self.titles[self.language]


@dataclass(frozen=True, slots=True)
class Partnership:
    """Everything the partnership report shows, at one log position and on one day."""

    coalition_id: str
    position: int
    day: date
    agreement: Agreement
    founded_position: int
    members: tuple[MemberLine, ...]
    tasks: tuple[TaskLine, ...]
    objectives: tuple[ObjectiveLine, ...]
    statements: tuple[StatementLine, ...]
    evaluation: EvaluationLine | None
    damaged: tuple[int, ...]  # positions of the events read whose hashes do not match

    def figures(self) -> dict[str, Any]:
        """The report's content as plain data (what the proof carries and its hash covers)."""
        a = self.agreement
        return {
            "coalition_id": self.coalition_id,
            "agreement": {
                "name": a.name,
                "purpose": a.purpose,
                "objectives": [[o.objective_id, o.text] for o in a.objectives],
                "starts_on": a.starts_on.isoformat(),
                "ends_on": a.ends_on.isoformat() if a.ends_on else None,
                "cooperation_mechanism": a.cooperation_mechanism,
                "benefit_sharing": a.benefit_sharing,
            },
            "members": [
                [m.organisation_id, m.name, m.state, m.level, m.suspension_reason, m.overdue_items, m.days_overdue]
                + [m.pledged, m.fulfilled, m.withdrawn, m.overdue, m.verified]
                for m in self.members
            ],
            "tasks": [[t.task_id, t.title, t.organisation, t.due_on.isoformat(), t.state] for t in self.tasks],
            "objectives": [_objective(o) for o in self.objectives],
            "evaluation": None
            if self.evaluation is None
            else [
                self.evaluation.evaluation_id,
                self.evaluation.title,
                self.evaluation.responses,
                self.evaluation.summary,
                self.evaluation.lessons,
                [list(q) for q in self.evaluation.averages],
            ],
            "statements": [[s.statement_id, s.titles, s.signatures, s.published_position] for s in self.statements],
        }

    def content_hash(self) -> str:
        """The SHA-256 of the figures' canonical JSON."""
        return content_hash(self.figures())


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _objective(line: ObjectiveLine) -> list[Any]:
    o, progress = line.objective, line.progress
    return [
        o.objective_id,
        o.measure,
        _iso(o.target_date),
        line.commitments,
        line.tasks,
        o.unit,
        o.baseline,
        o.target,
        progress.status,
        None if progress.share is None else round(progress.share, 6),
        [[p.progress_id, p.as_of.isoformat(), p.value, p.supersedes] for p in line.points],
    ]


def _evaluation(state: Coalition) -> EvaluationLine | None:
    latest = evaluations.latest_closed(state)
    if latest is None:
        return None
    averages = tuple((r.question.text, r.average, len(r.answers)) for r in evaluations.results(latest))
    return EvaluationLine(
        latest.evaluation_id,
        latest.title,
        latest.closes_on,
        len(latest.responses),
        latest.summary,
        latest.lessons,
        averages,
    )


def content_hash(figures: dict[str, Any]) -> str:
    """The SHA-256 (hex) of the canonical JSON of a report's figures."""
    text = json.dumps(figures, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _fold(events: Iterable[Event]) -> tuple[Coalition | None, dict[str, str]]:
    """The coalition and why each suspended member was suspended."""
    state: Coalition | None = None
    suspended: dict[str, str] = {}
    for event in events:
        state = coalition_state.evolve(state, Change(event.type, dict(event.payload)))
        if event.type == "MemberSuspended":
            suspended[str(event.payload["organisation_id"])] = str(event.payload.get("reason") or "")
    return state, suspended


def _statements(connection: Connection, streams: list[str], until: int, states: dict[str, str]) -> list[Any]:
    events = read(connection, streams, until)
    folded: dict[str, statement_state.Statement | None] = {}
    published: dict[str, int] = {}
    for event in events:
        folded[event.stream_id] = statement_state.evolve(
            folded.get(event.stream_id), Change(event.type, dict(event.payload))
        )
        if event.type == "StatementPublished":
            published[event.stream_id] = event.position
    lines = [
        StatementLine(
            s.statement_id,
            s.language,
            {code: text.title for code, text in s.texts.items()},
            len(policy.counted(s.signatures.values(), s.version_hash, states)),
            published[stream],
        )
        for stream, s in folded.items()
        if s is not None and s.state == "published"
    ]
    return [sorted(lines, key=lambda s: s.published_position), [e.position for e in events if not e.intact]]


def partnership(connection: Connection, coalition_id: str, position: int, day: date) -> Partnership | None:
    """The coalition's report as the log stood at `position`, counted on `day` (None: it did not exist yet)."""
    events = read(connection, [coalition_state.stream(coalition_id)], position)
    state, suspended = _fold(events)
    if state is None:
        return None
    states = {o: m.state for o, m in state.members.items()}
    streams = statement_streams(connection, coalition_id, position)
    statements, damaged = _statements(connection, streams, position, states)
    listed = [m for m in state.members.values() if m.state in LISTED]
    named = {m.organisation_id for m in listed} | {t.organisation_id for t in state.tasks.values()}
    names = organisations(connection, named, position)

    def name(organisation_id: str) -> str:
        found = names.get(organisation_id)
        return found.name if found else organisation_id

    members = []
    for m in listed:
        pledged: list[Any] = [c for c in state.commitments.values() if c.organisation_id == m.organisation_id]
        given = [t for t in state.tasks.values() if t.organisation_id == m.organisation_id]
        reason = suspended.get(m.organisation_id) if m.state == "suspended" else None
        standing = policy.standing_level(m.state, reason, [(w.due_on, w.state) for w in [*pledged, *given]], day)
        members.append(
            MemberLine(
                m.organisation_id,
                name(m.organisation_id),
                names[m.organisation_id].country if m.organisation_id in names else "",
                m.state,
                policy.is_verified(m),
                standing.level,
                reason,
                standing.overdue_items,
                standing.days_overdue,
                len(pledged),
                sum(c.state == "fulfilled" for c in pledged),
                sum(c.state == "withdrawn" for c in pledged),
                sum(policy.is_overdue(c.due_on, c.state, day) for c in pledged),
            )
        )
    members.sort(key=lambda m: (LISTED.index(m.state), m.name.casefold()))
    tasks: list[TaskLine] = sorted(
        (
            TaskLine(t.task_id, t.title, name(t.organisation_id), t.due_on, t.state, late)
            for t in state.tasks.values()
            for late in [policy.days_overdue(t.due_on, t.state, day)]
        ),
        key=lambda t: (t.due_on, t.title.casefold()),
    )
    objectives = tuple(
        ObjectiveLine(
            o,
            sum(c.objective_id == o.objective_id and c.state != "withdrawn" for c in state.commitments.values()),
            sum(t.objective_id == o.objective_id and t.state != "dropped" for t in state.tasks.values()),
            tuple(state.progress.get(o.objective_id, ())),
            progress_of(o, state.progress.get(o.objective_id, ()), state.agreement.starts_on, day),
        )
        for o in state.agreement.objectives
    )
    return Partnership(
        coalition_id,
        position,
        day,
        state.agreement,
        events[0].position,
        tuple(members),
        tuple(tasks),
        objectives,
        tuple(statements),
        _evaluation(state),
        tuple(sorted([*(e.position for e in events if not e.intact), *damaged])),
    )
