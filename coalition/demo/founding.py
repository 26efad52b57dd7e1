"""The demo story's beginning: accounts, organisations, a mandate, the coalition and its members and roles."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from coalition import accounts
from coalition.accounts import emails
from coalition.demo import progress, statements, work
from coalition.demo.people import PASSWORD, PEOPLE
from coalition.demo.story import Ref, Story
from coalition.handlers import coalitions as co
from coalition.handlers import organisations as orgs

#: The national registration numbers the demo's organisations give (made up, in each register's style).
REGISTRATION_NUMBERS = {"ro": "12/2005", "pl": "KRS 0000123456", "fi": "ry 123.456"}


def plan(s: Story) -> None:
    """Plan the whole story, from the first accounts to the last request to join."""
    s.services.store.clock = lambda: datetime.combine(s.today - timedelta(days=130), time(9), UTC)
    for key, (email, name, _) in PEOPLE.items():
        s.users[key] = accounts.register(s.services, email, PASSWORD, name)
        emails.mark_verified(s.services, s.users[key])  # as if each had opened the link mailed to them
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
                "registration_number": REGISTRATION_NUMBERS.get(key),
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
                    "unit": "sites",
                    "baseline": 0,
                    "target": 40,
                },
                {
                    "text": "Publish a joint policy brief for the national water agencies",
                    "target_date": s.today + timedelta(days=90),
                },
                {
                    "text": "Train 120 volunteers in citizen science sampling",
                    "measure": "volunteers trained",
                    "unit": "volunteers",
                    "baseline": 0,
                    "target": 120,
                },
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
    # The facilitator checked two members' registrations: they show as verified; the others do not (yet).
    s.on(120, "ioana", co.verify_member, path, ids["pl"])
    s.on(119, "ioana", co.verify_member, path, ids["fi"])
    s.on(118, "ioana", co.join, path, organisation_id=ids["hu"])
    s.on(117, "eszter", co.change_membership, path, ids["hu"], "accept")
    s.on(116, "ioana", co.assign_role, path, email=PEOPLE["marta"][0], organisation_id=ids["pl"], role="liaison")
    s.on(116, "ioana", co.assign_role, path, email=PEOPLE["aino"][0], organisation_id=ids["fi"], role="liaison")
    s.on(115, "ioana", co.assign_role, path, email=PEOPLE["eszter"][0], organisation_id=ids["hu"], role="endorser")
    work.plan(s, path)
    progress.plan(s, path)
    statements.plan(s, path)
    s.on(3, "andrei", co.join, path, organisation_id=ids["trust"])
