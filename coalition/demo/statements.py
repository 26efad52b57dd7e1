"""The demo coalition's joint statements, with their texts: one published, one open for signature, one draft."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from coalition.demo.people import PEOPLE
from coalition.demo.story import Ref, Refs, Story
from coalition.handlers import organisations as orgs
from coalition.handlers import statements as st

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


def plan(s: Story, path: Ref) -> None:
    """A published joint statement (amended, re-confirmed, one withdrawal), one open for signature, one draft."""
    ids, today = Refs(), s.today
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
