"""A small coalition built through the API, and the helpers the API tests share.

The world: Green Earth (RO) founded the Danube Rivers Coalition; Ana, its administrator, is the
facilitator. River Watch (PL) is an active member: Bo administers it, Lia holds a mandate and is
its liaison, Mo holds a mandate and no role. Oak Institute (FI), administered by Olli, is not a
member. River Watch pledged commitment `commitment` to objective o1 and was given task `task`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select
from werkzeug.test import TestResponse

from coalition.notify.tables import outbox
from tests.e2e.conftest import services

PASSWORD = "correct horse battery"
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test",
    "RATELIMIT_ENABLED": False,
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SQLITE_SYNCHRONOUS": "OFF",
}
PEOPLE = {"ana": "Ana Pop", "bo": "Bo Nowak", "lia": "Lia Kowal", "mo": "Mo Zielinski", "olli": "Olli Virtanen"}


def email(person: str) -> str:
    return f"{person}@example.org"


@dataclass
class Api:
    """A test client that speaks as one of the world's people."""

    client: FlaskClient
    tokens: dict[str, str] = field(default_factory=dict)

    def register(self, person: str, name: str | None = None, verify: bool = True) -> str:
        """Register `person` (and, unless told not to, verify their address by the link mailed to it)."""
        response = self.client.post(
            "/api/v1/users",
            json={"email": email(person), "password": PASSWORD, "name": name or PEOPLE.get(person, person.title())},
        )
        assert response.status_code == 201, response.json
        # The longest a token may live: tests that move the store's clock months ahead still authenticate.
        asked = {"email": email(person), "password": PASSWORD, "expires_in_days": 365}
        token = self.client.post("/api/v1/tokens", json=asked).json["token"]
        self.tokens[person] = token
        if verify:
            self.verify(email(person))
        return str(response.json["id"])

    def verify(self, address: str) -> None:
        """Open the verification link mailed to `address`, as its owner would; the message is then taken out of
        the outbox, as if delivered, so that the tests reading the outbox see only what they caused."""
        engine = services(self.app).engine
        with engine.connect() as connection:
            key, text = connection.execute(
                select(outbox.c.key, outbox.c.text)
                .where(outbox.c.email == address, outbox.c.key.like("email-verify:%"))
                .order_by(outbox.c.created_at.desc())
            ).one()
        found = re.search(r"/verify-email/([A-Za-z0-9_-]+)", text)
        assert found, text
        answer = self.client.post(f"/api/v1/email-verifications/{found.group(1)}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        with engine.begin() as connection:
            connection.execute(delete(outbox).where(outbox.c.key == key))

    def call(
        self, method: str, path: str, person: str | None = None, body: Any = None, headers: dict[str, str] | None = None
    ) -> TestResponse:
        """A request as `person` (None: anonymous)."""
        sent = dict(headers or {})
        if person is not None:
            sent["Authorization"] = f"Bearer {self.tokens[person]}"
        return self.client.open(f"/api/v1{path}", method=method, json=body, headers=sent)

    def ok(self, method: str, path: str, person: str, body: Any = None) -> Any:
        """The JSON answer of a request that must succeed."""
        response = self.call(method, path, person, body)
        assert response.status_code < 300, (method, path, person, response.get_data(as_text=True))
        return response.json

    @property
    def app(self) -> Flask:
        return self.client.application

    def head(self) -> int:
        """How many events the log holds."""
        return services(self.app).store.head()[0]


def error_of(response: TestResponse, status: int, code: str) -> dict[str, Any]:
    """The response is the one error shape with this status and code; its error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert set(response.json) == {"error"} and set(response.json["error"]) == {"code", "message", "fields"}
    assert response.json["error"]["code"] == code
    return dict(response.json["error"])


AGREEMENT = {
    "name": "Danube Rivers Coalition",
    "purpose": "Cleaner rivers across the Danube basin",
    "objectives": [
        {"text": "Monitor water quality at 40 sites", "measure": "sites monitored", "target_date": "2027-06-30"},
        {"text": "Publish a joint policy brief"},
    ],
    "starts_on": "2026-01-01",
    "ends_on": "2028-12-31",
    "cooperation_mechanism": "Monthly calls and a shared work plan",
    "benefit_sharing": "Joint credit on every publication",
}


@dataclass
class World:
    api: Api
    tag: str  # appended to each person's key and e-mail, so that several worlds share one database
    users: dict[str, str]
    green: str
    river: str
    oak: str
    coalition: str
    commitment: str
    task: str
    mandates: dict[str, str]

    @property
    def path(self) -> str:
        return f"/coalitions/{self.coalition}"

    def who(self, person: str) -> str:
        """The key of one of this world's people in `Api.tokens`."""
        return person + self.tag

    def email(self, person: str) -> str:
        return email(self.who(person))

    def ok(self, method: str, path: str, person: str, body: Any = None) -> Any:
        return self.api.ok(method, path, self.who(person), body)


def build_world(api: Api, tag: str = "") -> World:
    """The world described at the top of this module, through the API."""
    users = {person: api.register(person + tag, name) for person, name in PEOPLE.items()}
    w = World(api, tag, users, "", "", "", "", "", "", {})
    green = w.ok(
        "POST",
        "/organisations",
        "ana",
        {
            "name": "Green Earth" + tag,  # names are unique per country: one world per tag in a database
            "country": "RO",
            "sector": "ngo",
            "mission": "Protect rivers",
            "website": "https://green.example",
        },
    )["id"]
    river = w.ok(
        "POST",
        "/organisations",
        "bo",
        {"name": "River Watch" + tag, "country": "PL", "sector": "community-based", "mission": "Watch the river"},
    )["id"]
    oak = w.ok(
        "POST",
        "/organisations",
        "olli",
        {"name": "Oak Institute" + tag, "country": "FI", "sector": "academic", "mission": "Research"},
    )["id"]
    mandates = {
        person: w.ok("POST", f"/organisations/{river}/mandates", "bo", {"email": w.email(person), "title": title})["id"]
        for person, title in (("lia", "Programme Lead"), ("mo", "Executive Director"))
    }
    coalition = w.ok("POST", "/coalitions", "ana", {**AGREEMENT, "organisation_id": green})["id"]
    path = f"/coalitions/{coalition}"
    w.ok("POST", f"{path}/members", "bo", {"organisation_id": river})
    w.ok("POST", f"{path}/members/{river}/approve", "ana", {})
    w.ok("POST", f"{path}/roles", "ana", {"email": w.email("lia"), "organisation_id": river, "role": "liaison"})
    commitment = w.ok(
        "POST",
        f"{path}/commitments",
        "bo",
        {
            "organisation_id": river,
            "kind": "staff-time",
            "description": "Two field officers",
            "quantity": 2,
            "unit": "people",
            "objective": "o1",
            "due_on": "2027-03-31",
        },
    )["id"]
    task = w.ok(
        "POST",
        f"{path}/tasks",
        "ana",
        {
            "title": "Sample ten sites",
            "description": "Spring sampling round",
            "organisation_id": river,
            "assignee_email": w.email("lia"),
            "due_on": "2027-04-30",
            "commitment_id": commitment,
        },
    )["id"]
    w.green, w.river, w.oak, w.coalition, w.commitment, w.task, w.mandates = (
        green,
        river,
        oak,
        coalition,
        commitment,
        task,
        mandates,
    )
    return w
