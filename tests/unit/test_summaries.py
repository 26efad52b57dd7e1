"""The audit summaries: one line per event, in the reader's language, and in English outside a request."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask_login import LoginManager

from coalition.reads.summaries import Names, summary
from coalition.web import i18n
from projections.audit import Entry

NAMES = Names(
    people={"ana": "Ana Pop", "lia": "Lia Kowal"},
    organisations={"green": "Green Earth", "river": "River Watch"},
    roles={"role-1": ("liaison", "lia")},
    work={"c-1": "Two field officers"},
    statements={"s-1": "Clean rivers now"},
)
HASH = "0123456789ab" + "c" * 52


def entry(kind: str, payload: dict[str, Any], actor: str | None = "ana", subject: str | None = "river") -> Entry:
    """An event of the history, done by `actor` about the `subject` organisation."""
    return Entry(1, "2027-01-15T10:00:00+00:00", kind, actor, "green", subject, payload)


ASSIGNED = entry("RoleAssigned", {"role_id": "role-1", "role": "liaison", "user_id": "lia"})
PLEDGED = entry(
    "CommitmentPledged", {"kind": "staff-time", "description": "Two field officers", "due_on": "2027-03-31"}
)
PUBLISHED = entry("StatementPublished", {"statement_id": "s-1", "version_hash": HASH, "signatures": 20})

ENGLISH = [
    (ASSIGNED, "Ana Pop made Lia Kowal liaison for River Watch"),
    (
        entry("RoleAssigned", {"role": "facilitator", "user_id": "ana"}, subject="green"),
        "Ana Pop became facilitator for Green Earth",
    ),
    (entry("RoleRemoved", {"role_id": "role-1"}), "Ana Pop removed the liaison role of Lia Kowal"),
    (PLEDGED, "River Watch pledged staff time: “Two field officers”, due 2027-03-31"),
    (
        entry("CommitmentWithdrawn", {"commitment_id": "c-1", "reason": "Budget cut"}),
        "Ana Pop withdrew “Two field officers” of River Watch: Budget cut",
    ),
    (entry("TaskDropped", {"task_id": "unknown"}, actor=None), "someone dropped the task “a task”: no reason given"),
    (entry("MembershipApproved", {}, subject="gone"), "Ana Pop approved the request of gone to join"),
    (
        entry("StatementOpened", {"statement_id": "s-1", "version_hash": HASH, "version": 1}),
        "Ana Pop opened “Clean rivers now” for signature (version 0123456789ab)",
    ),
    (
        entry("StatementClosed", {"statement_id": "s-1", "reason": "deadline"}, actor=None),
        "“Clean rivers now” closed for signature (its deadline passed)",
    ),
    (PUBLISHED, "Ana Pop published “Clean rivers now” with 20 signatures"),
    (
        entry("EvaluationOpened", {"title": "Spring review", "closes_on": "2027-02-28"}, subject=None),
        "Ana Pop opened the evaluation round “Spring review”, answers until 2027-02-28",
    ),
    (entry("EvaluationResponded", {"evaluation_id": "e-1"}), "Ana Pop answered an evaluation round for River Watch"),
    (
        entry("EvaluationClosed", {"summary": "On track"}, subject=None),
        "Ana Pop closed an evaluation round: On track",
    ),
    (entry("SomethingNew", {}), "SomethingNew"),
]


@pytest.fixture
def app() -> Flask:
    """A bare app with the project's catalogues and language choice, and a reader who is not signed in."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "not secret"
    i18n.init_app(app)
    LoginManager(app).user_loader(lambda _user_id: None)
    return app


@pytest.mark.parametrize("event,line", ENGLISH)
def test_outside_a_request_each_event_reads_as_one_english_line(event: Entry, line: str) -> None:
    assert summary(event, NAMES) == line


def test_a_publication_with_one_signature_says_signature() -> None:
    one = entry("StatementPublished", {"statement_id": "s-1", "signatures": 1})

    assert summary(one, NAMES) == "Ana Pop published “Clean rivers now” with 1 signature"


def test_an_endorsement_names_the_statement_not_the_endorsers_own_title() -> None:
    endorsed = entry(
        "StatementEndorsed",
        {"statement_id": "s-1", "name": "Eva Laine", "title": "Board member", "version_hash": HASH},
        actor="lia",
        subject=None,
    )

    assert summary(endorsed, NAMES) == "Eva Laine endorsed “Clean rivers now”"


def test_in_an_app_but_outside_a_request_the_lines_stay_english(app: Flask) -> None:
    with app.app_context():  # as in a CLI command: no reader, so no reader's language to ask for
        assert [summary(e, NAMES) for e, _ in ENGLISH] == [line for _, line in ENGLISH]
        assert NAMES.person("nobody") == "someone"


def test_an_english_reader_reads_the_same_lines(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert [summary(e, NAMES) for e, _ in ENGLISH] == [line for _, line in ENGLISH]


def test_a_romanian_reader_reads_romanian_lines(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "ro-RO,ro;q=0.9,en;q=0.5"}):
        assert summary(ASSIGNED, NAMES) == (
            "Lia Kowal a primit de la Ana Pop rolul de persoană de legătură pentru River Watch"
        )
        assert summary(PLEDGED, NAMES) == (
            "River Watch s-a angajat să contribuie cu timp de lucru al personalului: "
            "„Two field officers”, termen: 2027-03-31"
        )
        assert summary(PUBLISHED, NAMES) == "Ana Pop a publicat declarația „Clean rivers now” cu 20 de semnături"
        assert NAMES.person("nobody") == "cineva" and NAMES.organisation(None) == "o organizație"
