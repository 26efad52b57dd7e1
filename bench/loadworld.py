"""The world the HTTP load is driven against: one coalition, one open statement, many members.

Every organisation has its own person, who created it, holds its signing mandate and has an API
token. The organisation asked to join the coalition and the facilitator approved it. Everything
is recorded through the real handlers, the way the API would record it. Only the durability
differs: seeding runs with SQLite `synchronous=OFF` or PostgreSQL `synchronous_commit=off`,
because nothing is lost by those settings unless the machine fails during seeding. The server under
load runs with the real settings.

The plan (ids and tokens) is written as JSON for the load driver, which runs in another process.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from coalition import accounts, create_app
from coalition.accounts import registration, tokens
from coalition.domain import statement
from coalition.handlers import Context
from coalition.handlers import coalitions as co
from coalition.handlers import organisations as orgs
from coalition.handlers import statements as st
from coalition.infra.db import upgrade
from coalition.infra.extensions import Services
from events import create_engine

PASSWORD = "load-test-password"
#: A fast password hash: the load drives tokens, never passwords, and seeding makes thousands of people.
PASSWORD_HASH = "pbkdf2:sha256:1000"
COUNTRIES = ("RO", "PL", "FI", "BG", "HU", "DE", "AT", "SK", "HR", "RS")
STATEMENT = {
    "title": "A joint call for clean rivers",
    "body": "We, the undersigned organisations, call on the governments of the Danube basin to publish "
    "water-quality data monthly and to act on it.\n\n- monitor every site\n- publish every month",
}


@dataclass(frozen=True)
class Plan:
    """What the load driver needs: where to sign and as whom."""

    coalition_id: str
    statement_id: str
    version_hash: str
    facilitator_token: str
    signers: list[tuple[str, str]]  # (organisation id, that organisation's person's API token)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> Plan:
        data: dict[str, Any] = json.loads(path.read_text())
        return cls(**{**data, "signers": [tuple(pair) for pair in data["signers"]]})

    @property
    def statement_path(self) -> str:
        return f"/api/v1/coalitions/{self.coalition_id}/statements/{self.statement_id}"


def seeding_url(url: str) -> str:
    """The URL seeding writes through: the same database, with commits that do not wait for the disk."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return url
    options = " ".join(filter(None, [parsed.query.get("options", ""), "-csynchronous_commit=off"]))
    return parsed.update_query_dict({"options": options}).render_as_string(hide_password=False)


def seed(url: str, organisations: int, instance: Path) -> Plan:
    """Migrate the empty database at `url` and record the world into it; return the plan."""
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    app = create_app(
        {
            "DATABASE_URL": seeding_url(url),
            "SQLITE_SYNCHRONOUS": "OFF",
            "SECRET_KEY": "seed",
            "PASSWORD_HASH_METHOD": PASSWORD_HASH,
            "SEAL_DIRECTORY": str(instance),
            "PDF_CACHE_DIRECTORY": str(instance / "pdf-cache"),
        }
    )
    services: Services = app.extensions["coalition"]
    try:
        with app.app_context():
            return _record(services, organisations)
    finally:
        services.engine.dispose()


def _person(services: Services, n: int) -> tuple[str, str, Context]:
    email = f"signer{n}@load.example.org"
    # the address is theirs (signing and holding a mandate need a verified address)
    user_id = registration.register(services, email, PASSWORD, f"Signer {n}", verified=True)
    user = accounts.load_user(services.engine, user_id)
    assert user is not None
    _, token, _ = tokens.issue_token(services, user)
    now = services.store.clock()
    return email, token, Context(services, user_id, now.date(), now=now)


def _organisation(context: Context, email: str, n: int) -> str:
    organisation_id: str = orgs.create_organisation(
        context,
        name=f"Load Organisation {n}",
        country=COUNTRIES[n % len(COUNTRIES)],
        sector="ngo",
        mission="Keeps rivers clean",
    )["id"]
    orgs.grant_mandate(context, organisation_id, email=email, title="Director")
    return organisation_id


def _record(services: Services, organisations: int) -> Plan:
    email, facilitator_token, facilitator = _person(services, 0)
    founder = _organisation(facilitator, email, 0)
    today = facilitator.today
    coalition_id: str = co.found_coalition(
        facilitator,
        organisation_id=founder,
        name="Danube Load Coalition",
        purpose="Cleaner rivers",
        objectives=[{"text": "Monitor water quality at 40 sites"}],
        starts_on=today,
        cooperation_mechanism="Monthly calls",
        benefit_sharing="Shared data",
    )["id"]
    statement_id: str = st.draft(facilitator, coalition_id, language="en", **STATEMENT)["id"]
    signers = []
    for n in range(1, organisations + 1):
        email, token, person = _person(services, n)
        organisation_id = _organisation(person, email, n)
        co.join(person, coalition_id, organisation_id=organisation_id)
        co.change_membership(facilitator, coalition_id, organisation_id, "approve")
        signers.append((organisation_id, token))
    st.open_for_signature(
        facilitator, coalition_id, statement_id, threshold=1, deadline=facilitator.moment + timedelta(days=30)
    )
    state, _ = services.states.load(services.store, statement.stream(statement_id), statement.evolve)
    assert state is not None and state.version_hash
    return Plan(coalition_id, statement_id, state.version_hash, facilitator_token, signers)
