"""Demo data: a believable coalition from the guides' world, recorded through the real handlers.

`flask demo load` plays a four-month story into an empty database, each step recorded on its own
day, so that standing, the audit history and "as of" views have a past to show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from coalition import accounts
from coalition.handlers import Context
from coalition.handlers import coalitions as co
from coalition.handlers import organisations as orgs
from coalition.handlers import statements as st
from coalition.infra.extensions import Services

PASSWORD = "coalition-demo"

#: e-mail, name, and what they do in the story (the README lists them).
PEOPLE = {
    "ioana": ("ioana@raurisicurate.ro", "Ioana Popescu", "facilitator; administrator of Asociația Râuri Curate"),
    "piotr": ("piotr@czystawisla.pl", "Piotr Nowak", "administrator of Fundacja Czysta Wisła"),
    "marta": ("marta@czystawisla.pl", "Marta Kowalska", "liaison and mandated signer of Fundacja Czysta Wisła"),
    "aino": ("aino@vesiyhdistys.fi", "Aino Virtanen", "administrator and liaison of Suomen Vesiyhdistys"),
    "georgi": ("georgi@dunavnetwork.bg", "Georgi Petrov", "administrator of Dunav Civic Network"),
    "eszter": ("eszter@waterpolicy.hu", "Eszter Nagy", "administrator of the Institute for Water Policy; endorser"),
    "andrei": ("andrei@sfantulnicolae.ro", "Andrei Ionescu", "administrator of a trust whose request is pending"),
}


class NotEmpty(RuntimeError):
    """Demo data goes only into a database without events."""


@dataclass(frozen=True)
class Ref:
    """The id an earlier step kept under this name, looked up when the step is played."""

    name: str


@dataclass
class Story:
    """Commands as the demo's people, each on a day `days_ago` before today, played in time order."""

    services: Services
    today: date
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    steps: list[tuple[int, int, Callable[[], None]]] = field(default_factory=list)

    def on(
        self,
        days_ago: int,
        person: str,
        handler: Callable[..., dict[str, Any]],
        *args: Any,
        keep: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Plan one handler call as `person` on that day; keep the id it answers under the name `keep`."""
        day = self.today - timedelta(days=days_ago)

        def play() -> None:
            self.services.store.clock = lambda: datetime.combine(day, time(9, 30), UTC)
            answer = handler(
                Context(self.services, self.users[person], day),
                *map(self._value, args),
                **{name: self._value(value) for name, value in kwargs.items()},
            )
            if keep:
                self.ids[keep] = answer["id"]

        self.steps.append((-days_ago, len(self.steps), play))

    def _value(self, value: Any) -> Any:
        return self.ids[value.name] if isinstance(value, Ref) else value

    def play(self) -> None:
        """Record the planned steps, oldest first, so that the log's times only move forward."""
        for _, _, step in sorted(self.steps, key=lambda s: s[:2]):
            step()


def load(services: Services, today: date) -> dict[str, str]:
    """Record the demo story; NotEmpty if the log already holds events. Returns the ids it made."""
    if services.store.head()[0] != 0:
        raise NotEmpty("the database already holds events: demo data loads only into an empty database")
    clock = services.store.clock
    story = Story(services, today)
    try:
        _plan(story)
        story.play()
    finally:
        services.store.clock = clock
    return story.ids


def _plan(s: Story) -> None:
    s.services.store.clock = lambda: datetime.combine(s.today - timedelta(days=130), time(9), UTC)
    for key, (email, name, _) in PEOPLE.items():
        s.users[key] = accounts.register(s.services, email, PASSWORD, name)
    organisations = {
        "ro": ("ioana", "Asociația Râuri Curate", "RO", "ngo", "Clean, living rivers in the Lower Danube basin"),
        "pl": ("piotr", "Fundacja Czysta Wisła", "PL", "community-based", "Citizen monitoring of the Vistula"),
        "fi": ("aino", "Suomen Vesiyhdistys ry", "FI", "ngo", "Water protection through volunteer associations"),
        "bg": ("georgi", "Dunav Civic Network", "BG", "community-based", "Civic action along the Bulgarian Danube"),
        "hu": ("eszter", "Institute for Water Policy", "HU", "academic", "Research for better water governance"),
        "trust": ("andrei", "Sfântul Nicolae Community Trust", "RO", "faith-based", "Parish care for creation"),
    }
    for key, (person, name, country, sector, mission) in organisations.items():
        s.on(
            128,
            person,
            orgs.create_organisation,
            keep=key,
            **{
                "name": name,
                "country": country,
                "sector": sector,
                "mission": mission,
                "website": f"https://{key}.example.org",
            },
        )
    ids = {key: Ref(key) for key in organisations}
    s.on(127, "piotr", orgs.grant_mandate, ids["pl"], email=PEOPLE["marta"][0], title="Programme Coordinator")
    s.on(
        126,
        "ioana",
        co.found_coalition,
        keep="coalition",
        organisation_id=ids["ro"],
        **{
            "name": "Clean Rivers Coalition",
            "purpose": "Cleaner rivers across Central and Eastern Europe through joint citizen monitoring and advocacy",
            "objectives": [
                {
                    "text": "Monitor water quality at 40 river sites",
                    "measure": "sites sampled monthly",
                    "target_date": s.today + timedelta(days=200),
                },
                {
                    "text": "Publish a joint policy brief for the national water agencies",
                    "target_date": s.today + timedelta(days=90),
                },
                {"text": "Train 120 volunteers in citizen science sampling", "measure": "volunteers trained"},
                {"text": "Hold a regional rivers summit"},
            ],
            "starts_on": s.today - timedelta(days=120),
            "ends_on": s.today + timedelta(days=600),
            "cooperation_mechanism": "A monthly online call, a shared work plan and one in-person meeting a year",
            "benefit_sharing": "Every partner is credited on joint outputs; data are shared under CC BY 4.0",
        },
    )
    path = Ref("coalition")
    for key, person, days in (("pl", "piotr", 124), ("fi", "aino", 123), ("bg", "georgi", 122)):
        s.on(days, person, co.join, path, organisation_id=ids[key])
        s.on(days - 1, "ioana", co.change_membership, path, ids[key], "approve")
    s.on(118, "ioana", co.join, path, organisation_id=ids["hu"])
    s.on(117, "eszter", co.change_membership, path, ids["hu"], "accept")
    s.on(116, "ioana", co.assign_role, path, email=PEOPLE["marta"][0], organisation_id=ids["pl"], role="liaison")
    s.on(116, "ioana", co.assign_role, path, email=PEOPLE["aino"][0], organisation_id=ids["fi"], role="liaison")
    s.on(115, "ioana", co.assign_role, path, email=PEOPLE["eszter"][0], organisation_id=ids["hu"], role="endorser")
    _work(s, path)
    _statements(s, path)
    s.on(3, "andrei", co.join, path, organisation_id=ids["trust"])


def _work(s: Story, path: Ref) -> None:
    ids, today = _Refs(), s.today
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


CALL = """We, the undersigned organisations from across the Danube and Vistula basins, call on the national
water agencies to:

1. publish **monthly** water quality data for every monitored river site;
2. recognise *citizen monitoring* as a source of evidence in river basin plans;
3. fund volunteer sampling networks through the next programming period.

Clean rivers are a shared responsibility. Read our joint method at https://rivers.example.org/method."""

CALL_RO = """Noi, organizațiile semnatare din bazinele Dunării și Vistulei, cerem agențiilor naționale de ape:

1. să publice **lunar** datele despre calitatea apei pentru fiecare punct monitorizat;
2. să recunoască *monitorizarea cetățenească* ca sursă de dovezi în planurile de bazin;
3. să finanțeze rețelele de voluntari în următoarea perioadă de programare.

Râurile curate sunt o responsabilitate comună."""


def _statements(s: Story, path: Ref) -> None:
    """A published joint statement (amended, re-confirmed, one withdrawal), one open for signature, one draft."""
    ids, today = _Refs(), s.today
    for person, key, title in (
        ("ioana", "ro", "Executive Director"),
        ("aino", "fi", "Chair of the Board"),
        ("georgi", "bg", "Coordinator"),
    ):
        s.on(47, person, orgs.grant_mandate, ids[key], email=PEOPLE[person][0], title=title)
    s.on(
        46,
        "ioana",
        st.draft,
        path,
        keep="call",
        title="Joint call for citizen monitoring of our rivers",
        body=CALL,
        language="en",
    )
    s.on(
        45,
        "ioana",
        st.translate,
        path,
        ids["call"],
        "ro",
        title="Apel comun pentru monitorizarea cetățenească a râurilor noastre",
        body=CALL_RO,
    )
    s.on(
        44,
        "ioana",
        st.open_for_signature,
        path,
        ids["call"],
        threshold=3,
        deadline=datetime.combine(today - timedelta(days=20), time(17), UTC),
    )
    s.on(43, "marta", st.sign, path, ids["call"], organisation_id=ids["pl"])
    s.on(42, "aino", st.sign, path, ids["call"], organisation_id=ids["fi"])
    s.on(41, "georgi", st.sign, path, ids["call"], organisation_id=ids["bg"])
    s.on(
        38,
        "ioana",
        st.amend,
        path,
        ids["call"],
        body=CALL.replace("the next programming period", "the 2028–2034 programming period"),
        translations={
            "ro": {
                "title": "Apel comun pentru monitorizarea cetățenească a râurilor noastre",
                "body": CALL_RO.replace("următoarea perioadă de programare", "perioada de programare 2028–2034"),
            }
        },
    )
    s.on(37, "marta", st.confirm, path, ids["call"], ids["pl"])
    s.on(36, "aino", st.confirm, path, ids["call"], ids["fi"])
    s.on(35, "eszter", st.endorse, path, ids["call"], title="Senior Researcher, Institute for Water Policy")
    s.on(34, "ioana", st.sign, path, ids["call"], organisation_id=ids["ro"])
    s.on(
        30,
        "georgi",
        st.withdraw,
        path,
        ids["call"],
        ids["bg"],
        reason="Our board asked us to stay out of advocacy until after the elections",
    )
    s.on(15, "ioana", st.publish, path, ids["call"])
    s.on(
        6,
        "ioana",
        st.draft,
        path,
        keep="dredging",
        title="Statement on the Lower Danube dredging plan",
        body="We ask the authorities to pause the dredging plan until an **independent** impact assessment "
        "is published.",
        language="en",
    )
    s.on(
        5,
        "ioana",
        st.open_for_signature,
        path,
        ids["dredging"],
        threshold=4,
        deadline=datetime.combine(today + timedelta(days=14), time(17), UTC),
    )
    s.on(4, "ioana", st.sign, path, ids["dredging"], organisation_id=ids["ro"])
    s.on(2, "marta", st.sign, path, ids["dredging"], organisation_id=ids["pl"])
    s.on(
        1,
        "ioana",
        st.draft,
        path,
        keep="summit",
        title="Summit declaration (draft)",
        body="To be agreed at the regional rivers summit.",
        language="en",
    )


class _Refs:
    """`ids["k_staff"]` in the plan: a reference to the id an earlier step keeps."""

    def __getitem__(self, name: str) -> Ref:
        return Ref(name)
