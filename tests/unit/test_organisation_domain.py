"""The organisation aggregate's rules: who administers it, who holds a mandate and when."""

from __future__ import annotations

from datetime import date

import pytest

from coalition.domain import organisation as org
from coalition.domain.base import Change, NotAllowed, NotFound, RuleBroken
from coalition.domain.event_types import registry

TODAY = date(2026, 11, 23)
FOUNDER = "user-ana"


def created(**overrides: str) -> org.Organisation:
    """An organisation created by FOUNDER."""
    command = org.CreateOrganisation(
        **{
            "organisation_id": "o1",
            "name": "Green Earth",
            "country": "RO",
            "sector": "ngo",
            "mission": "Clean rivers",
            **overrides,
        }
    )
    return apply(None, org.decide(None, command, FOUNDER, TODAY))


def apply(state: org.Organisation | None, changes: list[Change]) -> org.Organisation:
    """The state after `changes`, each checked against its registered schema first."""
    for change in changes:
        registry.validate(change.type, change.payload)
        state = org.evolve(state, change)
    assert state is not None
    return state


def grant(state: org.Organisation, user: str = "user-bo", **dates: date | None) -> org.Organisation:
    """`state` after FOUNDER grants `user` a mandate."""
    command = org.GrantMandate(
        "m1", user, "Executive Director", dates.get("valid_from", date(2026, 1, 1)), dates.get("valid_until")
    )
    return apply(state, org.decide(state, command, FOUNDER, TODAY))


def test_the_creator_is_the_first_administrator() -> None:
    state = created()

    assert state.administrators == {FOUNDER}
    assert state.may_act(FOUNDER, TODAY)


def test_website_is_optional_and_left_out_when_unset() -> None:
    [change] = org.decide(None, org.CreateOrganisation("o1", "Green Earth", "RO", "ngo", "m"), FOUNDER, TODAY)

    assert "website" not in change.payload


def test_an_unknown_country_code_is_refused() -> None:
    with pytest.raises(RuleBroken, match="'XX' is not an ISO 3166-1 alpha-2"):
        org.decide(None, org.CreateOrganisation("o1", "Green Earth", "XX", "ngo", "m"), FOUNDER, TODAY)


def test_an_organisation_cannot_be_created_twice() -> None:
    with pytest.raises(RuleBroken, match="already exists"):
        org.decide(created(), org.CreateOrganisation("o1", "Again", "RO", "ngo", "m"), FOUNDER, TODAY)


def test_commands_on_a_missing_organisation_are_not_found() -> None:
    with pytest.raises(NotFound):
        org.decide(None, org.AddAdministrator("user-bo"), FOUNDER, TODAY)


@pytest.mark.parametrize(
    "command",
    [org.AddAdministrator("user-cy"), org.GrantMandate("m9", "user-cy", "Director", TODAY), org.RevokeMandate("m1")],
)
def test_only_administrators_manage_the_organisation(command: org.Command) -> None:
    with pytest.raises(NotAllowed, match="only administrators of Green Earth"):
        org.decide(grant(created()), command, "user-bo", TODAY)


def test_an_administrator_adds_another_who_may_then_act() -> None:
    state = created()
    state = apply(state, org.decide(state, org.AddAdministrator("user-bo"), FOUNDER, TODAY))

    assert state.may_act("user-bo", TODAY)
    with pytest.raises(RuleBroken, match="already an administrator"):
        org.decide(state, org.AddAdministrator("user-bo"), FOUNDER, TODAY)


def test_a_mandate_lets_its_holder_act_only_while_valid() -> None:
    state = grant(created(), valid_from=date(2026, 3, 1), valid_until=date(2026, 12, 31))

    assert not state.may_act("user-bo", date(2026, 2, 28))
    assert state.may_act("user-bo", date(2026, 3, 1))
    assert state.mandate_of("user-bo", date(2026, 12, 31)).title == "Executive Director"
    assert not state.may_act("user-bo", date(2027, 1, 1))


def test_a_mandate_cannot_end_before_it_starts() -> None:
    with pytest.raises(RuleBroken, match="valid_until is before valid_from"):
        grant(created(), valid_from=date(2026, 3, 1), valid_until=date(2026, 2, 1))


def test_a_revoked_mandate_stops_on_the_day_it_is_revoked() -> None:
    state = grant(created())
    state = apply(state, org.decide(state, org.RevokeMandate("m1"), FOUNDER, TODAY))

    assert state.may_act("user-bo", date(2026, 11, 22))
    assert not state.may_act("user-bo", TODAY)
    with pytest.raises(RuleBroken, match="already revoked"):
        org.decide(state, org.RevokeMandate("m1"), FOUNDER, TODAY)


def test_revoking_an_unknown_mandate_is_not_found() -> None:
    with pytest.raises(NotFound, match="no such mandate"):
        org.decide(created(), org.RevokeMandate("m404"), FOUNDER, TODAY)


def test_payload_schema_refuses_an_unknown_sector() -> None:
    from events import InvalidPayload

    with pytest.raises(InvalidPayload, match="sector"):
        registry.validate(
            "OrganisationCreated",
            {
                "organisation_id": "o1",
                "name": "n",
                "country": "RO",
                "sector": "cartel",
                "mission": "m",
                "created_by": FOUNDER,
            },
        )
