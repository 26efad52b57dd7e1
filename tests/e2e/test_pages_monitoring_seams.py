"""Where monitoring and evaluation meet the rest: the coalition's home shows each objective's status and the latest
evaluation round; an ended coalition hides the progress and evaluation forms and asks nobody to answer a round."""

from __future__ import annotations

import re

from tests.e2e.pages import csrf, signed_in, text
from tests.e2e.test_api_objectives import day, measured
from tests.e2e.test_inbox import only
from tests.e2e.world import World

FAR = "2099-12-31"


def opened(world: World, title: str = "Spring review") -> str:
    """A round opened by Ana through the API (default questions): its id."""
    return str(world.ok("POST", f"{world.path}/evaluations", "ana", {"title": title, "closes_on": FAR})["id"])


def answered(world: World, round_id: str, person: str = "lia") -> None:
    answers = [{"question_id": f"q{n}", "rating": 4, "comment": f"Comment {n}"} for n in range(1, 5)]
    body = {"organisation_id": world.river, "answers": answers}
    world.ok("POST", f"{world.path}/evaluations/{round_id}/responses", person, body)


def closed_round(world: World) -> str:
    round_id = opened(world, "Spring review")
    answered(world, round_id)
    body = {"summary": "Communication works; tasks pile up on two members.", "lessons": "Share the tasks earlier."}
    world.ok("POST", f"{world.path}/evaluations/{round_id}/close", "ana", body)
    return round_id


def wind_up(world: World) -> None:
    """Drop the open task and withdraw the pledged commitment (each keeps the coalition from closing)."""
    world.ok("POST", f"{world.path}/tasks/{world.task}/drop", "ana", {"reason": "Wrapping up"})
    world.ok("POST", f"{world.path}/commitments/{world.commitment}/withdraw", "bo", {"reason": "Wrapping up"})


def end(world: World) -> None:
    """Close the open evaluation rounds (an open one keeps the coalition from closing), wind up the open work and
    close the coalition through the API."""
    for round_ in world.ok("GET", f"{world.path}/evaluations", "ana")["rounds"]:
        if not round_["closed"]:
            body = {"summary": "Closed before the coalition"}
            world.ok("POST", f"{world.path}/evaluations/{round_['evaluation_id']}/close", "ana", body)
    wind_up(world)
    world.ok("POST", f"{world.path}/close", "ana", {"reason": "The project ended"})


def objectives_section(page: str) -> str:
    return page.split('id="objectives-heading"', 1)[1].split("</section>", 1)[0]


def evaluation_section(page: str) -> str:
    return page.split('id="evaluation-heading"', 1)[1].split("</section>", 1)[0]


def test_the_home_shows_each_objectives_status_as_words_with_its_share(world: World) -> None:
    measured(world)
    world.ok("POST", f"{world.path}/objectives/o1/progress", "lia", {"value": 18, "as_of": day(world, 0)})
    shown = objectives_section(text(signed_in(world, "bo").get(world.path)))
    o1, o2 = re.findall(r"<li>.*?</li>", shown, re.S)
    assert "/objectives/o1" in o1 and '<span class="badge progress-status level-good">on track</span>' in o1
    assert "45% of the way" in o1
    assert "/objectives/o2" in o2 and "not measured yet" in o2 and "of the way" not in o2


def test_the_home_shows_the_latest_closed_round_with_its_summary_lessons_and_a_link(world: World) -> None:
    assert "No evaluation round yet." in evaluation_section(text(signed_in(world, "bo").get(world.path)))
    round_id = closed_round(world)
    opened(world, "Autumn review")  # open, not closed: the home keeps showing the spring summary
    shown = evaluation_section(text(signed_in(world, "mo").get(world.path)))
    assert "Latest evaluation round: Spring review" in shown
    assert "tasks pile up on two members" in shown and "Lessons learned" in shown and "Share the tasks earlier" in shown
    assert f"/evaluations/{round_id}" in shown
    assert "“Autumn review” is open" in shown and "awaits your organisation" not in shown  # Mo answers for nobody


def test_an_open_round_awaiting_my_organisation_is_highlighted_until_it_answers(world: World) -> None:
    round_id = opened(world)
    for person in ("bo", "lia"):
        shown = evaluation_section(text(signed_in(world, person).get(world.path)))
        assert 'class="evaluation-awaiting"' in shown and "awaits your organisation's answer" in shown, person
        assert f"/evaluations/{round_id}" in shown
    answered(world, round_id)
    shown = evaluation_section(text(signed_in(world, "lia").get(world.path)))
    assert "evaluation-awaiting" not in shown and "“Spring review” is open" in shown


def test_an_ended_coalition_hides_the_progress_and_evaluation_forms(world: World) -> None:
    measured(world)
    closed_round(world)
    round_id = opened(world, "Autumn review")
    lia, ana = signed_in(world, "lia"), signed_in(world, "ana")
    rounds = f"{world.path}/evaluations"
    assert 'id="progress-value"' in text(lia.get(f"{world.path}/objectives/o1"))  # before the end: shown
    assert "/responses" in text(lia.get(f"{rounds}/{round_id}"))
    assert f"{rounds}/{round_id}/close" in text(ana.get(f"{rounds}/{round_id}"))
    end(world)
    for client in (lia, ana):
        objective = text(client.get(f"{world.path}/objectives/o1"))
        assert "This coalition has ended on" in objective and 'id="progress-value"' not in objective
        assert "Progress" in objective and "/objectives/o1/progress" not in objective  # the chart reads on
        one = text(client.get(f"{rounds}/{round_id}"))
        main = one.split("<main", 1)[-1].split("</main>")[0]
        assert "This coalition has ended on" in one and 'method="post"' not in main
        assert "Autumn review" in one and ("Questions" in one or "Results" in one)  # the round still reads
        listing = text(client.get(rounds))
        assert 'href="/coalitions/' + world.coalition + '/evaluations/new"' not in listing
        assert "awaiting your answer" not in listing
        home = text(client.get(world.path))
        assert "evaluation-awaiting" not in home and "Latest evaluation round: Autumn review" in home  # closed by end
    new = text(ana.get(f"{rounds}/new"))
    assert "it opens no more evaluation rounds" in new and f'action="{rounds}"' not in new


def test_an_ended_coalition_refuses_the_evaluation_forms_with_409(world: World) -> None:
    round_id = opened(world)
    end(world)
    ana, lia = signed_in(world, "ana"), signed_in(world, "lia")
    rounds = f"{world.path}/evaluations"
    head = world.api.head()
    token = csrf(ana, "/account")
    refused = ana.post(f"{rounds}/{round_id}/close", data={"csrf_token": token, "summary": "Late"})
    assert refused.status_code == 409 and "the coalition has ended on" in text(refused)
    answers = {"csrf_token": csrf(lia, "/account"), "organisation_id": world.river}
    answers |= {f"rating_q{n}": "3" for n in range(1, 5)}
    refused = lia.post(f"{rounds}/{round_id}/responses", data=answers)
    assert refused.status_code == 409 and "the coalition has ended on" in text(refused)
    assert world.api.head() == head


def test_closing_is_refused_while_a_round_is_open_and_the_round_still_waits_for_its_answers(world: World) -> None:
    round_id = opened(world)
    only(world, "evaluation", round_id, ("ana", "bo", "lia"))
    wind_up(world)
    head = world.api.head()
    refused = world.api.call("POST", f"{world.path}/close", world.who("ana"), {"reason": "The project ended"})
    assert (
        refused.status_code == 409
        and "close the open evaluation rounds (“Spring review”)" in refused.json["error"]["message"]
    )
    assert world.api.head() == head
    only(world, "evaluation", round_id, ("ana", "bo", "lia"))  # it may still be answered and closed
    page = text(signed_in(world, "ana").get(f"{world.path}/close"))
    assert f'href="/coalitions/{world.coalition}/evaluations/{round_id}">Spring review</a>' in page
    assert "Yes, close the coalition" not in page and 'name="reason"' not in page
    world.ok("POST", f"{world.path}/evaluations/{round_id}/close", "ana", {"summary": "Done"})
    world.ok("POST", f"{world.path}/close", "ana", {"reason": "The project ended"})
    only(world, "evaluation", round_id, ())


def test_a_pending_request_to_join_waits_for_nobody_once_the_coalition_has_ended(world: World) -> None:
    world.ok("POST", f"{world.path}/members", "olli", {"organisation_id": world.oak})
    only(world, "join_request", world.oak, ("ana",))
    end(world)
    only(world, "join_request", world.oak, ())  # approving it would be refused (409): nothing to ask of Ana


def test_the_activity_and_audit_name_the_objective_progress_was_recorded_on(world: World) -> None:
    measured(world)
    world.ok("POST", f"{world.path}/objectives/o1/progress", "lia", {"value": 18, "as_of": day(world, 0)})
    ana = signed_in(world, "ana")
    line = "Lia Kowal recorded 18 on objective “Monitor water quality at 40 sites”"
    assert line in text(ana.get(world.path)) and line in text(ana.get(f"{world.path}/audit"))


def test_the_api_asks_nobody_to_answer_or_close_a_round_once_the_coalition_has_ended(world: World) -> None:
    round_id = opened(world)
    rounds = f"{world.path}/evaluations"
    assert world.ok("GET", rounds, "lia")["rounds"][0]["awaiting"]
    assert world.ok("GET", f"{rounds}/{round_id}", "ana")["may_close"] is True
    end(world)
    assert world.ok("GET", rounds, "lia")["rounds"][0]["awaiting"] == []
    assert world.ok("GET", f"{rounds}/{round_id}", "lia")["awaiting"] == []
    assert world.ok("GET", f"{rounds}/{round_id}", "ana")["may_close"] is False


def test_the_api_offers_no_new_round_once_the_coalition_has_ended(world: World) -> None:
    rounds = f"{world.path}/evaluations"
    assert world.ok("GET", rounds, "ana")["may_open"] is True
    end(world)
    assert world.ok("GET", rounds, "ana")["may_open"] is False
