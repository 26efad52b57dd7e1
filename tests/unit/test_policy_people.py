"""The rule "a verified e-mail address is needed to sign or hold a mandate", as the domain's policy states it."""

from __future__ import annotations

from coalition.domain import policy
from coalition.domain.base import NotAllowed, RuleBroken
from coalition.domain.policy import people


def test_an_unverified_person_may_not_sign_confirm_or_hold_a_mandate_and_is_told_how_to_fix_it() -> None:
    for doing in (people.SIGN, people.CONFIRM, people.HOLD):
        refusal = policy.verified_refusal(False, doing)
        assert isinstance(refusal, NotAllowed) and refusal.params == {"doing": doing}
        assert f"verify your e-mail address before you {doing}" in str(refusal)
        assert "ask for a new one on your account page" in str(refusal)
    assert not policy.may_act_verified(False)


def test_a_verified_person_is_not_refused() -> None:
    assert policy.verified_refusal(True, people.SIGN) is None and policy.may_act_verified(True)


def test_a_mandate_for_someone_unverified_is_refused_naming_them() -> None:
    refusal = policy.holder_refusal(False, "mo@example.org")

    assert isinstance(refusal, RuleBroken) and str(refusal).startswith("mo@example.org has not verified")
    assert policy.holder_refusal(True, "mo@example.org") is None
