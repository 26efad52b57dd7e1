"""Who hears of an evaluation round: when it opens, the administrators and liaisons of the active members (who
answer it for their organisation), in their language, unless they turned the kind off."""

from __future__ import annotations

from tests.e2e.notices import chooses, mail_to, notifier, only_new_events, received, speaks
from tests.e2e.world import World
from tests.mail import SmtpServer, body


def open_round(world: World) -> None:
    world.ok("POST", f"{world.path}/evaluations", "ana", {"title": "Spring review", "closes_on": "2099-12-31"})


def test_an_opened_round_reaches_the_administrators_and_liaisons_of_active_members(
    world: World, smtp: SmtpServer
) -> None:
    only_new_events(world)
    open_round(world)
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"ana", "bo", "lia"}  # not Mo (a mandate, no role), not Olli (not a member)
    mail = mail_to(world, smtp, "lia")
    assert mail["Subject"] == "Evaluation round in Danube Rivers Coalition: Spring review"
    text = body(mail)
    assert "4 questions" in text and "December 31, 2099" in text and f"{world.path}/evaluations/" in text


def test_the_round_speaks_romanian_and_can_be_turned_off(world: World, smtp: SmtpServer) -> None:
    only_new_events(world)
    speaks(world, "lia", "ro")
    chooses(world, "bo", "evaluation_opened", "off")
    open_round(world)
    notifier(world, smtp).turn()
    assert received(world, smtp) == {"ana", "lia"}
    assert mail_to(world, smtp, "lia")["Subject"] == "Rundă de evaluare în Danube Rivers Coalition: Spring review"
