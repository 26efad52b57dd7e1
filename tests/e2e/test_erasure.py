"""Personal data rights: a person's export, and erasure by crypto-shredding (`flask people erase`, the "My data" page).

After an erasure the person's name and e-mail address appear in no API answer, page, CSV or new PDF; their
organisation's signature still counts, "signed on behalf of River Watch by an erased person"; the chain,
the Node verifier and a PDF exported before all still agree. On every backend.
"""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from coalition.domain.event_types import registry
from tests.e2e.conftest import MakeApp, services
from tests.e2e.pages import csrf, signed_in, submit
from tests.e2e.test_export_from_log import exported, flat, signed, verdict
from tests.e2e.test_node_verifier import verify_with_node
from tests.e2e.world import PASSWORD, World

NAME, TITLE = "Mo Zielinski", "Executive Director"


def erase(app: Flask, who: str) -> tuple[int, str]:
    """`flask people erase WHO --yes`: its exit code and output."""
    result = app.test_cli_runner().invoke(args=["people", "erase", who, "--yes"])
    return result.exit_code, result.output


def count(app: Flask, sql: str) -> int:
    with services(app).engine.connect() as connection:
        return int(connection.execute(sa.text(sql)).scalar() or 0)


def everything_shown(world: World, sid: str) -> str:
    """Every API answer, page and CSV where Mo could appear, read by the facilitator and River Watch's administrator."""
    w, api = world, world.api
    statement = f"{w.path}/statements/{sid}"
    shown, read = [], {}  # type: ignore[var-annotated]
    for person in ("ana", "bo"):
        for path in (
            statement,
            f"{w.path}",
            f"{w.path}/events",
            f"{w.path}/events.csv",
            f"{w.path}/standing",
            f"{w.path}/responsibilities",
            f"/organisations/{w.river}",
            f"{w.path}/statements",
        ):
            response = api.call("GET", path, w.who(person))
            read.setdefault(path, set()).add(response.status_code)
            shown.append(response.get_data(as_text=True))
        client = signed_in(w, person)
        for page in (
            f"{w.path}/statements/{sid}",
            f"{w.path}/audit",
            f"{w.path}/audit.csv",
            f"{w.path}/members",
            f"{w.path}/roles",
            f"/organisations/{w.river}",
            f"/public/statements/{sid}",
        ):
            response = client.get(page)
            read.setdefault(page, set()).add(response.status_code)
            shown.append(response.get_data(as_text=True))
    assert [where for where, statuses in read.items() if 200 not in statuses] == []  # each one read by someone
    return "\n".join(shown)


def test_an_erased_signer_appears_nowhere_and_the_log_still_verifies(world: World, tmp_path: Path) -> None:
    w, app = world, world.api.app
    sid = signed(w)
    for step in ("close", "publish"):  # so that it has a public page too
        w.ok("POST", f"{w.path}/statements/{sid}/{step}", "ana", {})
    before = exported(app, sid, tmp_path / "before")
    assert NAME in flat(before) and NAME in everything_shown(w, sid)
    assert count(app, f"SELECT count(*) FROM events WHERE payload LIKE '%{NAME}%'") == 0  # sealed from the start

    code, output = erase(app, w.email("mo"))

    assert code == 0, output
    shown = everything_shown(w, sid)
    after = exported(app, sid, tmp_path / "after")
    for trace in (NAME, w.email("mo")):
        assert trace not in shown
        assert trace.encode() not in after and trace not in flat(after)
    assert TITLE not in flat(after) and TITLE not in json.dumps(w.ok("GET", f"{w.path}/statements/{sid}", "ana"))
    assert TITLE not in json.dumps(w.ok("GET", f"/organisations/{w.river}", "bo"))  # the mandate's title
    assert "signed on behalf of River Watch by an erased person" in flat(after)
    assert "semnat în numele River Watch de o persoană ștearsă" in flat(exported(app, sid, tmp_path / "ro", "ro"))
    assert "erased person" in shown
    # the signature still counts, on the pages, the API and the PDF
    answer = w.ok("GET", f"{w.path}/statements/{sid}", "ana")
    assert answer["summary"]["organisations"] == 2
    assert "Signed by 2 organisations" in flat(after)
    # the chain, the Node verifier and the PDF made before the erasure all still agree
    runner = app.test_cli_runner()
    assert runner.invoke(args=["events", "verify"]).exit_code == 0
    export_file = tmp_path / "log.jsonl"
    assert runner.invoke(args=["events", "export", str(export_file)]).exit_code == 0
    node = verify_with_node(export_file)
    assert node.returncode == 0 and node.stdout.startswith("OK"), node.stdout + node.stderr
    assert NAME not in export_file.read_text(encoding="utf-8")
    earlier = verdict(app, before)
    assert earlier["valid"] is True, earlier["reasons"]
    assert verdict(app, after)["valid"] is True


def test_the_erased_person_cannot_sign_in_and_their_tokens_stop(world: World) -> None:
    w, app = world, world.api.app
    erase(app, w.email("mo"))

    assert w.api.call("GET", "/me", w.who("mo")).status_code == 401
    refused = app.test_client().post("/api/v1/tokens", json={"email": w.email("mo"), "password": PASSWORD})
    assert refused.status_code == 401
    assert count(app, "SELECT count(*) FROM users WHERE name = 'Mo Zielinski'") == 0


def test_erasing_twice_records_once_and_says_so(world: World) -> None:
    w, app = world, world.api.app
    assert erase(app, w.email("mo"))[0] == 0
    head = w.api.head()

    by_email = erase(app, w.email("mo"))
    by_id = erase(app, w.users["mo"])

    assert by_email[0] == 1 and "no account has the e-mail address" in by_email[1]
    assert by_id == (0, "This person was erased already: nothing left to erase.\n")
    assert w.api.head() == head
    assert count(app, "SELECT count(*) FROM events WHERE type = 'PersonErased'") == 1


def test_erasing_an_unknown_person_records_nothing(world: World) -> None:
    w, app = world, world.api.app
    head = w.api.head()

    code, output = erase(app, "nobody@example.org")
    by_id = erase(app, "0" * 32)

    assert code == 1 and "no account has the e-mail address 'nobody@example.org'" in output
    assert by_id[0] == 1 and "no account has the user id" in by_id[1]
    assert w.api.head() == head


def test_the_export_holds_the_account_mandates_roles_and_every_event_naming_the_person(world: World) -> None:
    w = world
    response = w.api.call("GET", "/me/export", w.who("lia"))

    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.json
    assert data["format"] == "coalition-personal-data/1"
    assert data["account"] == {
        "user_id": w.users["lia"],
        "email": w.email("lia"),
        "name": "Lia Kowal",
        "created_at": data["account"]["created_at"],
        "locale": None,
    }
    assert [(o["organisation"], o["kind"], o["title"]) for o in data["organisations"]] == [
        ("River Watch", "mandate", "Programme Lead")
    ]
    assert [(r["role"], r["organisation_id"]) for r in data["coalition_roles"]] == [("liaison", w.river)]
    assert len(data["api_tokens"]) == 1 and "token_hash" not in data["api_tokens"][0]
    types = [e["type"] for e in data["events"]]
    assert {"UserRegistered", "ApiTokenCreated", "MandateGranted", "RoleAssigned", "TaskCreated"} <= set(types)
    registered = next(e for e in data["events"] if e["type"] == "UserRegistered")
    assert registered["payload"]["name"] == "Lia Kowal"  # opened, not the sealed envelope
    granted = next(e for e in data["events"] if e["type"] == "MandateGranted")
    assert granted["payload"]["title"] == "Programme Lead"
    # nobody else's own events: Mo's registration is not Lia's data
    assert all(e["stream_id"] != f"user-{w.users['mo']}" for e in data["events"])
    assert "password" not in json.dumps(data)


def test_the_export_needs_a_token(world: World) -> None:
    response = world.api.app.test_client().get("/api/v1/me/export")

    assert response.status_code == 401


def test_my_data_page_offers_the_download(world: World) -> None:
    client = signed_in(world, "lia")

    page = client.get("/account/data").get_data(as_text=True)
    download = client.get("/account/data.json")

    assert "/account/data.json" in page and "Erase me" in page
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert json.loads(download.get_data(as_text=True))["account"]["email"] == world.email("lia")


def test_the_page_erases_only_with_the_password_and_the_confirmation(world: World) -> None:
    w, app = world, world.api.app
    client = signed_in(w, "mo")
    head = w.api.head()

    wrong = submit(client, "/account/data", "/account/erase", {"password": "not it at all", "understood": "y"})
    unticked = submit(client, "/account/data", "/account/erase", {"password": PASSWORD})

    assert wrong.status_code == 400 and "That is not your password." in wrong.get_data(as_text=True)
    assert unticked.status_code == 400 and "Tick this box to confirm." in unticked.get_data(as_text=True)
    assert w.api.head() == head

    done = submit(client, "/account/data", "/account/erase", {"password": PASSWORD, "understood": "y"})

    assert done.status_code == 302
    assert count(app, "SELECT count(*) FROM events WHERE type = 'PersonErased'") == 1
    assert client.get("/account/data").status_code == 302  # signed out
    again = app.test_client()
    form = {"csrf_token": csrf(again, "/login"), "email": w.email("mo"), "password": PASSWORD}
    login = again.post("/login", data=form)
    assert login.status_code != 302


def test_the_page_is_in_romanian(world: World) -> None:
    client = signed_in(world, "mo")
    client.post("/language", data={"csrf_token": csrf(client, "/account/data"), "locale": "ro"})

    page = client.get("/account/data").get_data(as_text=True)

    assert "Datele mele" in page and "persoană ștearsă" in page


def test_an_erased_signer_reads_in_romanian_on_the_statement_page(world: World) -> None:
    w, app = world, world.api.app
    sid = signed(w)
    erase(app, w.email("mo"))
    client: FlaskClient = signed_in(w, "ana")
    client.post("/language", data={"csrf_token": csrf(client, "/"), "locale": "ro"})

    page = client.get(f"{w.path}/statements/{sid}").get_data(as_text=True)

    assert "semnat în numele River Watch de o persoană ștearsă" in page


def test_the_cli_asks_before_erasing(world: World) -> None:
    app = world.api.app
    result = app.test_cli_runner().invoke(args=["people", "erase", world.email("mo")], input="n\n")

    assert result.exit_code == 1 and "Erase Mo Zielinski" in result.output
    assert count(app, "SELECT count(*) FROM events WHERE type = 'PersonErased'") == 0


def test_an_erased_account_is_never_found_by_its_stand_in_address(world: World) -> None:
    w, app = world, world.api.app
    erase(app, w.email("mo"))
    stand_in = f"{w.users['mo']}@erased.invalid"

    taken = app.test_client().post("/api/v1/users", json={"email": stand_in, "password": PASSWORD, "name": "Mo"})
    granted = w.api.call("POST", f"/organisations/{w.river}/mandates", w.who("bo"), {"email": stand_in, "title": "X"})

    assert taken.status_code == 409 and "erased.invalid cannot be used" in taken.json["error"]["message"]
    assert granted.status_code != 500
    assert count(app, "SELECT count(*) FROM events WHERE type = 'MandateGranted'") == 2  # Lia's and Mo's, no more


def test_the_person_keys_move_with_an_export_of_the_log(world: World, make_app: MakeApp, tmp_path: Path) -> None:
    w, app = world, world.api.app
    erase(app, w.email("mo"))
    log, keys = tmp_path / "log.jsonl", tmp_path / "keys.jsonl"
    source = app.test_cli_runner()
    assert source.invoke(args=["events", "export", str(log)]).exit_code == 0
    assert source.invoke(args=["people", "export-keys", str(keys)]).exit_code == 0
    target = make_app(f"sqlite:///{tmp_path / 'moved.db'}")
    services(target).store.registry = registry  # the application's event types, not the test ones
    runner = target.test_cli_runner()
    assert runner.invoke(args=["events", "import", str(log)]).exit_code == 0

    without_keys = services(target).store.read_stream(f"user-{w.users['lia']}")[0].payload["name"]
    imported = runner.invoke(args=["people", "import-keys", str(keys)])
    again = runner.invoke(args=["people", "import-keys", str(keys)])
    services(target).runner.rebuild()

    assert without_keys == "erased person"  # the log alone: sealed fields cannot be opened
    assert imported.exit_code == 0 and again.output.startswith("Imported 0 person keys")
    assert services(target).store.read_stream(f"user-{w.users['lia']}")[0].payload["name"] == "Lia Kowal"
    assert services(target).store.read_stream(f"user-{w.users['mo']}")[0].payload["name"] == "erased person"


def test_a_damaged_key_file_imports_nothing(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "keys.jsonl"
    bad.write_text('{"subject": "u", "key": "c2hvcnQ=", "created_at": "x", "erased_at": null}\n', encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["people", "import-keys", str(bad)])

    assert result.exit_code == 1 and "not 32 bytes long" in result.output
    assert count(app, "SELECT count(*) FROM person_keys") == 0
