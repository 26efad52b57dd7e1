"""Registering, listing and removing webhooks over the API, their rules and every refusal, and the SSRF guard."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from coalition.domain.base import Invalid
from coalition.webhooks import guard
from tests.e2e.conftest import services
from tests.e2e.world import World, error_of

PUBLIC = "https://hooks.example.org/in"


def public_dns(monkeypatch: pytest.MonkeyPatch, address: str = "93.184.216.34") -> None:
    """Every host name resolves to `address` (no real DNS in tests)."""

    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def hooks(world: World) -> str:
    return f"{world.path}/webhooks"


def test_a_facilitator_registers_a_webhook_and_sees_its_secret_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    public_dns(monkeypatch)
    before = world.api.head()
    created = world.ok("POST", hooks(world), "ana", {"url": PUBLIC, "events": ["TaskCreated", "StatementSigned"]})

    assert created["secret"].startswith("whsec_") and created["url"] == PUBLIC
    assert created["events"] == ["TaskCreated", "StatementSigned"]
    listed = world.ok("GET", hooks(world), "ana")["webhooks"]
    assert [(h["id"], h["enabled"], h["events"]) for h in listed] == [
        (created["id"], True, ["TaskCreated", "StatementSigned"])
    ]
    assert "secret" not in listed[0]
    assert world.api.head() == before  # kept out of the log: a URL may carry the receiver's credential


def test_removing_a_webhook(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    public_dns(monkeypatch)
    created = world.ok("POST", hooks(world), "ana", {"url": PUBLIC, "events": ["TaskCreated"]})
    response = world.api.call("DELETE", f"{hooks(world)}/{created['id']}", world.who("ana"))
    assert response.status_code == 204
    assert world.ok("GET", hooks(world), "ana")["webhooks"] == []
    error_of(world.api.call("DELETE", f"{hooks(world)}/{created['id']}", world.who("ana")), 404, "not_found")


@pytest.mark.parametrize("person", ["bo", "lia", "mo", "olli"])
def test_only_facilitators_may_touch_webhooks(world: World, person: str, monkeypatch: pytest.MonkeyPatch) -> None:
    public_dns(monkeypatch)
    created = world.ok("POST", hooks(world), "ana", {"url": PUBLIC, "events": ["TaskCreated"]})
    who = world.who(person)
    for method, path, body in (
        ("POST", hooks(world), {"url": PUBLIC, "events": ["TaskCreated"]}),
        ("GET", hooks(world), None),
        ("DELETE", f"{hooks(world)}/{created['id']}", None),
        ("GET", f"{hooks(world)}/{created['id']}/deliveries", None),
    ):
        error_of(world.api.call(method, path, who, body), 403, "forbidden")
    assert len(world.ok("GET", hooks(world), "ana")["webhooks"]) == 1


def test_anonymous_callers_and_unknown_things(world: World) -> None:
    error_of(world.api.call("GET", hooks(world)), 401, "unauthorized")
    error_of(world.api.call("GET", "/coalitions/nope/webhooks", world.who("ana")), 404, "not_found")
    error_of(
        world.api.call(
            "POST", "/coalitions/nope/webhooks", world.who("ana"), {"url": PUBLIC, "events": ["TaskCreated"]}
        ),
        404,
        "not_found",
    )
    error_of(world.api.call("GET", f"{hooks(world)}/wh_nope/deliveries", world.who("ana")), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"url": PUBLIC, "events": []}, "at least one event type"),
        (
            {"url": PUBLIC, "events": ["TaskCreated", "NoSuchThing", "OrganisationCreated"]},
            "NoSuchThing, OrganisationCreated",
        ),
        ({"url": "ftp://hooks.example.org/", "events": ["TaskCreated"]}, "http:// or https://"),
        ({"url": "https:///nohost", "events": ["TaskCreated"]}, "must name a host"),
        ({"url": "https://me:pw@hooks.example.org/", "events": ["TaskCreated"]}, "user name or password"),
        ({"url": "https://hooks.example.org/ x", "events": ["TaskCreated"]}, "spaces"),
    ],
)
def test_bad_registrations_are_422_saying_what_to_fix(
    world: World, body: dict[str, Any], says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    public_dns(monkeypatch)
    error = error_of(world.api.call("POST", hooks(world), world.who("ana"), body), 422, "invalid")
    assert says in error["message"]
    assert world.ok("GET", hooks(world), "ana")["webhooks"] == []


@pytest.mark.parametrize(
    "body", [{"url": PUBLIC}, {"events": ["TaskCreated"]}, {"url": PUBLIC, "events": "TaskCreated"}]
)
def test_missing_or_mistyped_fields_are_named(world: World, body: dict[str, Any]) -> None:
    error = error_of(world.api.call("POST", hooks(world), world.who("ana"), body), 422, "invalid")
    assert set(error["fields"]) <= {"url", "events"} and error["fields"]


def test_a_loopback_or_private_url_is_refused_without_the_setting(world: World) -> None:
    for url in ("http://127.0.0.1:8080/x", "http://[::1]/x", "http://10.1.2.3/x", "http://169.254.169.254/latest"):
        error = error_of(
            world.api.call("POST", hooks(world), world.who("ana"), {"url": url, "events": ["TaskCreated"]}),
            422,
            "invalid",
        )
        assert "private, local or reserved" in error["message"], url


def test_a_host_name_resolving_to_loopback_is_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    public_dns(monkeypatch, "127.0.0.1")
    error = error_of(
        world.api.call("POST", hooks(world), world.who("ana"), {"url": PUBLIC, "events": ["TaskCreated"]}),
        422,
        "invalid",
    )
    assert "hooks.example.org leads to 127.0.0.1" in error["message"]


def test_the_setting_allows_private_addresses(world: World) -> None:
    services(world.api.app).allow_private_webhooks = True
    created = world.ok("POST", hooks(world), "ana", {"url": "http://127.0.0.1:9/x", "events": ["TaskCreated"]})
    assert created["url"] == "http://127.0.0.1:9/x"


def test_the_guard_refuses_every_kind_of_non_public_address() -> None:
    def to(address: str) -> Any:
        return lambda host, port, **_: [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, 1, 6, "", (address, port))
        ]

    for address in (
        "127.0.0.2",
        "192.168.1.1",
        "172.16.0.1",
        "fe80::1",
        "224.0.0.1",
        "240.0.0.1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
        "fd00::1",
        "100.64.0.1",
    ):
        with pytest.raises(Invalid):
            guard.check("https://x.example/", resolve=to(address))
        assert guard.check("https://x.example/", allow_private=True, resolve=to(address)).addresses == (address,)
    target = guard.check("https://x.example:8443/a?b=1", resolve=to("93.184.216.34"))
    assert (target.host_header, target.path, target.port) == ("x.example:8443", "/a?b=1", 8443)


def test_an_unresolvable_host_is_refused(world: World) -> None:
    def fails(*_: Any, **__: Any) -> Any:
        raise socket.gaierror("no such name")

    with pytest.raises(Invalid, match="could not be resolved"):
        guard.check("https://nowhere.invalid/", resolve=fails)
