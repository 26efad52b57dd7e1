"""Evaluation rounds from the browser: the list, the open form (default questions prefilled), answering, closing."""

from __future__ import annotations

import re

from tests.e2e.pages import csrf, signed_in, submit, text
from tests.e2e.world import World

FAR = "2099-12-31"
DEFAULTS = [
    "Are we reaching our common objectives?",
    "Is communication between the partners working?",
    "Is the division of tasks fair?",
    "What should change?",
]


def rounds(world: World) -> str:
    return f"{world.path}/evaluations"


def opened(world: World) -> str:
    """A round opened by Ana through the API (default questions): its page."""
    answer = world.ok("POST", rounds(world), "ana", {"title": "Spring review", "closes_on": FAR})
    return f"{rounds(world)}/{answer['id']}"


def answers(*ratings: int) -> dict[str, str]:
    data = {}
    for n, rating in enumerate(ratings, 1):
        data[f"rating_q{n}"] = str(rating)
        data[f"comment_q{n}"] = f"Comment {n}"
    return data


def test_the_open_form_prefills_the_default_questions_for_facilitators_only(world: World) -> None:
    ana = signed_in(world, "ana")
    page = ana.get(f"{rounds(world)}/new").get_data(as_text=True)
    for question in DEFAULTS:
        assert question in page
    assert 'name="questions-5"' in page  # two spare boxes for the facilitator's own questions
    assert signed_in(world, "bo").get(f"{rounds(world)}/new").status_code == 403
    assert "Open an evaluation round" in ana.get(rounds(world)).get_data(as_text=True)
    assert "Open an evaluation round" not in signed_in(world, "bo").get(rounds(world)).get_data(as_text=True)


def test_a_facilitator_opens_a_round_with_edited_questions(world: World) -> None:
    ana = signed_in(world, "ana")
    data = {
        "title": "Autumn check",
        "questions-0": "Are we on time?",
        "questions-1": "",
        "questions-2": "",
        "questions-3": "What should change?",
        "closes_on": FAR,
    }
    response = submit(ana, f"{rounds(world)}/new", rounds(world), data)
    assert response.status_code == 302
    page = ana.get(response.location).get_data(as_text=True)
    assert "Autumn check" in page and "The evaluation round is open" in page
    listed = world.ok("GET", rounds(world), "ana")["rounds"][0]
    shown = world.ok("GET", f"{rounds(world)}/{listed['evaluation_id']}", "ana")
    assert [q["text"] for q in shown["question_list"]] == ["Are we on time?", "What should change?"]


def test_bad_open_forms_show_the_form_again_and_record_nothing(world: World) -> None:
    ana = signed_in(world, "ana")
    before = world.api.head()
    empty = {"title": "Review", "closes_on": FAR, **{f"questions-{n}": "" for n in range(6)}}
    response = submit(ana, f"{rounds(world)}/new", rounds(world), empty)
    assert response.status_code == 400 and "Ask at least one question." in text(response)
    past = {"title": "Review", "closes_on": "2020-01-01", "questions-0": "Fine?"}
    response = submit(ana, f"{rounds(world)}/new", rounds(world), past)
    assert response.status_code == 422 and "closes_on" in text(response)
    assert world.api.head() == before


def test_the_second_round_is_refused_while_one_is_open(world: World) -> None:
    opened(world)
    ana = signed_in(world, "ana")
    page = ana.get(f"{rounds(world)}/new").get_data(as_text=True)
    assert "is still open" in page
    response = submit(ana, f"{rounds(world)}/new", rounds(world), {"title": "R", "closes_on": FAR, "questions-0": "?"})
    assert response.status_code == 409


def test_a_liaison_answers_and_sees_only_her_organisations_answers(world: World) -> None:
    page = opened(world)
    lia = signed_in(world, "lia")
    shown = lia.get(page).get_data(as_text=True)
    assert 'type="radio"' in shown and "Answering for River Watch" in shown
    assert "awaiting your answer" in lia.get(rounds(world)).get_data(as_text=True)
    response = submit(lia, page, f"{page}/responses", {"organisation_id": world.river, **answers(4, 3, 2, 5)})
    assert response.status_code == 302
    after = lia.get(page).get_data(as_text=True)
    assert "The answers of River Watch" in after and "Comment 1" in after
    assert "Results" not in after  # members see the results once the round is closed
    assert 'type="radio"' not in after  # answered: no second form
    ana_page = signed_in(world, "ana").get(page).get_data(as_text=True)
    assert "Results" in ana_page and "Average 4 out of 5" in ana_page


def test_a_mandated_person_sees_no_answer_form(world: World) -> None:
    page = opened(world)
    assert 'type="radio"' not in signed_in(world, "mo").get(page).get_data(as_text=True)


def test_a_missing_rating_is_shown_on_its_question_and_nothing_is_recorded(world: World) -> None:
    page = opened(world)
    bo = signed_in(world, "bo")
    before = world.api.head()
    data = {"organisation_id": world.river, **answers(4, 3, 2)}
    response = submit(bo, page, f"{page}/responses", data)
    assert response.status_code == 400 and "Choose a rating from 1 to 5." in text(response)
    data = {"organisation_id": world.river, **answers(4, 3, 2), "rating_q4": "9"}
    assert submit(bo, page, f"{page}/responses", data).status_code == 400
    assert world.api.head() == before


def test_the_facilitator_closes_the_round_and_members_read_the_results(world: World) -> None:
    page = opened(world)
    world.ok(
        "POST",
        f"{page}/responses",
        "bo",
        {"organisation_id": world.river, "answers": [{"question_id": f"q{n}", "rating": 3} for n in range(1, 5)]},
    )
    ana = signed_in(world, "ana")
    before = world.api.head()
    assert submit(ana, page, f"{page}/close", {"summary": "  ", "lessons": ""}).status_code == 400
    assert world.api.head() == before
    response = submit(ana, page, f"{page}/close", {"summary": "Steady progress", "lessons": "Share minutes"})
    assert response.status_code == 302
    shown = signed_in(world, "mo").get(page).get_data(as_text=True)
    assert "Steady progress" in shown and "Share minutes" in shown and "Results" in shown
    assert re.search(r"River Watch</strong>\s*<span[^>]*>3 / 5", shown)
    assert "Close the round" not in signed_in(world, "ana").get(page).get_data(as_text=True)


def test_people_of_other_organisations_are_refused(world: World) -> None:
    page = opened(world)
    olli = signed_in(world, "olli")
    assert olli.get(rounds(world)).status_code == 403
    assert olli.get(page).status_code == 403
    assert signed_in(world, "ana").get(f"{rounds(world)}/nope").status_code == 404


def test_the_pages_speak_romanian(world: World) -> None:
    page = opened(world)
    lia = signed_in(world, "lia")
    lia.post("/language", data={"csrf_token": csrf(lia, "/"), "locale": "ro", "next": "/"})
    shown = lia.get(page).get_data(as_text=True)
    assert "Răspunsurile organizației dumneavoastră" in shown


def test_the_default_questions_are_offered_in_the_facilitators_language(world: World) -> None:
    ana = signed_in(world, "ana")
    ana.post("/language", data={"csrf_token": csrf(ana, "/"), "locale": "ro", "next": "/"})
    page = ana.get(f"{rounds(world)}/new").get_data(as_text=True)
    assert "Ne atingem obiectivele comune?" in page and "Evaluarea parteneriatului" in page


def test_a_mandated_person_posting_an_answer_is_refused_and_nothing_is_recorded(world: World) -> None:
    page = opened(world)
    mo = signed_in(world, "mo")
    before = world.api.head()
    response = submit(mo, page, f"{page}/responses", {"organisation_id": world.river, **answers(4, 3, 2, 5)})
    assert response.status_code == 403 and "administrator or the liaison" in text(response)
    assert 'type="radio"' not in text(response) and world.api.head() == before
