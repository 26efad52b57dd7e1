"""What a person must have shown before they act with a signature: an e-mail address verified by a link.

A signature puts an organisation's name under a text, and a signing mandate lets a person do that; both
need an address shown to be the person's (its domain is printed beside the organisation in the sealed
PDF), so neither is open to an unverified address. The handlers ask these before they decide, and the
pages ask them to say why a form is not offered.
"""

from __future__ import annotations

from coalition.domain.base import N_, DomainError, NotAllowed, RuleBroken

SIGN = N_("sign a statement")
CONFIRM = N_("confirm a signature")
HOLD = N_("hold a signing mandate")


def verified_refusal(verified: bool, doing: str) -> DomainError | None:
    """Why a person may not do `doing` (SIGN, CONFIRM, HOLD) with an unverified address; None when verified."""
    if verified:
        return None
    return NotAllowed(
        "verify your e-mail address before you %(doing)s: open the link we e-mailed you, "
        "or ask for a new one on your account page",
        doing=doing,
    )


def may_act_verified(verified: bool) -> bool:
    """Whether a person's address lets them sign or hold a mandate (`verified_refusal(...) is None`)."""
    return verified_refusal(verified, SIGN) is None


def holder_refusal(verified: bool, email: str) -> DomainError | None:
    """Why a mandate may not be granted to the person with this address; None when it is verified."""
    if verified:
        return None
    return RuleBroken(
        "%(email)s has not verified their e-mail address yet: they may hold a signing mandate "
        "once they have opened the link we e-mailed them",
        email=email,
    )
