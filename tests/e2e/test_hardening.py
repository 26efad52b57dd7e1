"""Security headers, rate limits and request logs on every response."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask

from coalition.domain.event_types import registry
from tests.e2e.conftest import MakeApp
from tests.e2e.world import Api, World


def test_every_response_carries_the_security_headers(client: object) -> None:
    for path in ("/", "/login", "/api/v1/openapi.json", "/no-such-page"):
        response = client.get(path)  # type: ignore[attr-defined]
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_no_page_runs_an_inline_script_or_loads_another_host(client: object) -> None:
    for path in ("/", "/login", "/register", "/verify"):
        page = client.get(path).get_data(as_text=True)  # type: ignore[attr-defined]
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), path
        assert not re.search(r'(src|href)="(https?:)?//', page), path


def test_the_callers_request_id_is_kept_as_its_own_field_and_never_becomes_the_correlation_id(api: Api) -> None:
    api.register("ana")
    body = {"name": "Green Earth", "country": "RO", "sector": "ngo", "mission": "Rivers"}
    kept: list[tuple[str | None, str | None]] = []
    for given in ("trace-42", "x" * 65, "a b", "<script>", "naïve"):
        body["name"] = f"Green Earth {len(kept)}"
        response = api.call("POST", "/organisations", "ana", body, headers={"X-Request-Id": given})
        assert response.status_code == 201
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])  # ours, whatever was sent
        position, _ = api.app.extensions["coalition"].store.head()
        event = list(api.app.extensions["coalition"].store.read_all(position - 1))[-1]
        assert event.metadata.correlation_id == response.headers["X-Request-Id"]
        kept.append((event.metadata.request_id, event.metadata.to_json().get("request_id")))

    assert kept == [("trace-42", "trace-42")] + [(None, None)] * 4  # too long or outside A-Za-z0-9._:- : not kept


def limited(make_app: MakeApp, database_url: str) -> Flask:
    """The app with its real event types and the rate limits on, as in production."""
    app = make_app(database_url, RATELIMIT_ENABLED=True, PASSWORD_HASH_METHOD="pbkdf2:sha256:1000")
    app.extensions["coalition"].store.registry = registry
    return app


def test_sign_in_is_rate_limited_per_client_and_says_when_to_try_again(make_app: MakeApp, database_url: str) -> None:
    client = limited(make_app, database_url).test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert token
    answers = [
        client.post("/login", data={"csrf_token": token.group(1), "email": "x@example.org", "password": "wrong"})
        for _ in range(11)
    ]

    assert [a.status_code for a in answers[:10]] == [400] * 10  # wrong password: the form again
    assert answers[10].status_code == 429 and int(answers[10].headers["Retry-After"]) > 0
    assert "<h1>" in answers[10].get_data(as_text=True)  # the friendly page, in the layout
    assert client.get("/login").status_code == 200  # reading the form is not limited


@pytest.mark.parametrize(
    ("path", "body", "allowed"),
    [
        ("/api/v1/tokens", {"email": "x@example.org", "password": "wrong"}, 10),
        ("/api/v1/users", {"email": "not an e-mail", "password": "x", "name": ""}, 5),
    ],
)
def test_api_doors_are_rate_limited_in_the_apis_error_shape(
    make_app: MakeApp, database_url: str, path: str, body: dict, allowed: int
) -> None:
    client = limited(make_app, database_url).test_client()
    answers = [client.post(path, json=body) for _ in range(allowed + 1)]

    assert all(a.status_code != 429 for a in answers[:allowed])
    assert answers[allowed].status_code == 429
    assert answers[allowed].json["error"]["code"] == "too_many_requests"


def test_verify_uploads_are_rate_limited(make_app: MakeApp, database_url: str) -> None:
    client = limited(make_app, database_url).test_client()
    answers = [client.post("/api/v1/verify", data={}) for _ in range(21)]

    assert answers[19].status_code == 400 and answers[20].status_code == 429


def test_requests_are_logged_as_json_lines_without_secrets(client: object, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="coalition.requests"):
        client.post("/api/v1/tokens", json={"email": "x@example.org", "password": "s3cret-passw0rd"})  # type: ignore[attr-defined]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "coalition.requests"]

    assert lines[-1]["path"] == "/api/v1/tokens" and lines[-1]["status"] == 401 and lines[-1]["ms"] >= 0
    assert "s3cret" not in caplog.text and "test" not in json.dumps(lines[-1])  # neither the body nor the secret key


@pytest.mark.parametrize(
    "path", ["/reset/s3cretLinkToken", "/invitations/s3cretLinkToken", "/unsubscribe/s3cretLinkToken"]
)
def test_the_secret_of_a_link_never_reaches_the_request_log(
    client: object, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    """Whoever reads the logs must not be able to follow a reset, invitation or unsubscribe link."""
    with caplog.at_level(logging.INFO, logger="coalition.requests"):
        client.get(path)  # type: ignore[attr-defined]
        client.post("/api/v1/password-resets/s3cretLinkToken", json={"password": "x"})  # type: ignore[attr-defined]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "coalition.requests"]
    assert "s3cretLinkToken" not in caplog.text
    assert [line["path"] for line in lines] == [
        path.replace("s3cretLinkToken", "<token>"),
        "/api/v1/password-resets/<token>",
    ]


def test_creating_tokens_from_the_page_shares_the_password_count_with_sign_in(
    make_app: MakeApp, database_url: str
) -> None:
    from tests.e2e.pages import csrf

    app = limited(make_app, database_url)
    client = app.test_client()
    client.post("/api/v1/users", json={"email": "ana@example.org", "password": "correct horse battery", "name": "Ana"})
    client.post(
        "/login",
        data={"csrf_token": csrf(client, "/login"), "email": "ana@example.org", "password": "correct horse battery"},
    )
    token = csrf(client, "/account/tokens")
    answers = [
        client.post("/account/tokens", data={"csrf_token": token, "password": "correct horse battery"})
        for _ in range(10)
    ]

    assert [a.status_code for a in answers] == [201] * 9 + [429]  # the sign-in was the first of ten


@pytest.mark.parametrize(
    ("method", "path", "form"),
    [
        ("GET", "/coalitions/a%00b", None),
        ("GET", "/coalitions?x=a%00b", None),
        ("POST", "/organisations", {"name": "Nul\x00Org", "country": "RO", "sector": "ngo", "mission": "m"}),
        ("POST", "/login", {"email": "a\x00@example.org", "password": "x"}),
    ],
)
def test_a_nul_character_anywhere_is_a_clear_400_on_the_pages_too(
    world: World, method: str, path: str, form: dict | None
) -> None:
    from tests.e2e.pages import signed_in

    client = signed_in(world, "ana")
    head = world.api.head()
    response = client.open(path, method=method, data=form)

    assert response.status_code == 400 and "Nothing was recorded" in response.get_data(as_text=True)
    assert world.api.head() == head


def test_the_password_doors_share_one_count(make_app: MakeApp, database_url: str) -> None:
    from tests.e2e.pages import csrf

    client = limited(make_app, database_url).test_client()
    token = csrf(client, "/login")
    for _ in range(5):
        client.post("/login", data={"csrf_token": token, "email": "x@example.org", "password": "wrong"})
    api = [client.post("/api/v1/tokens", json={"email": "x@example.org", "password": "wrong"}) for _ in range(6)]

    assert [a.status_code for a in api] == [401] * 5 + [429]


def test_behind_a_proxy_each_client_is_counted_by_its_forwarded_address(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url, RATELIMIT_ENABLED=True, PROXY_HOPS=1)
    app.extensions["coalition"].store.registry = registry
    client = app.test_client()

    def attempt(address: str) -> int:
        return client.post(
            "/api/v1/tokens", json={"email": "x@example.org", "password": "wrong"}, headers={"X-Forwarded-For": address}
        ).status_code

    assert [attempt("198.51.100.1") for _ in range(11)][-1] == 429
    assert attempt("198.51.100.2") == 401  # another client behind the same proxy is not locked out


def test_a_door_served_by_an_async_view_is_refused_when_the_app_is_built() -> None:
    from coalition.web import hardening

    app = Flask(__name__)
    app.config.update(PROXY_HOPS=0, RATELIMIT_STORAGE_URI="memory://")
    for endpoint in hardening.DOORS:
        app.add_url_rule(f"/{endpoint}", endpoint, lambda: "")

    async def asynchronous() -> str:
        return ""

    app.view_functions["accounts.login"] = asynchronous
    with pytest.raises(TypeError, match="accounts.login: only a synchronous view"):
        hardening.init_app(app)


def test_the_verify_page_and_the_api_share_one_configurable_count(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_VERIFY="3 per minute")
    client = app.test_client()
    form = client.get("/verify").get_data(as_text=True)
    csrf = {"csrf_token": form.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]}
    assert [client.post("/api/v1/verify", data={}).status_code for _ in range(2)] == [400, 400]
    assert client.post("/verify", data=csrf).status_code == 400  # no file chosen: the form again
    refused = client.post("/api/v1/verify", data={})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    message = refused.json["error"]["message"]
    assert refused.json["error"]["code"] == "too_many_requests"
    assert message == "too many requests from your address (at most 3 per minute): wait as long as Retry-After says"
    page = client.post("/verify", data=csrf)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) > 0
    assert "Too many attempts from your address" in page.get_data(as_text=True)


PUBLIC_READS = (
    "/api/v1/log/checkpoint",
    "/api/v1/log/public-key",
    "/api/v1/log/proof/inclusion?position=1&size=1",
    "/api/v1/log/proof/consistency?from=1&to=1",
    "/api/v1/seal/certificate",
)


def test_the_public_reads_of_the_log_and_the_seal_certificate_share_a_generous_limit(
    make_app: MakeApp, database_url: str
) -> None:
    from coalition.config import defaults

    assert defaults("instance")["RATELIMIT_PUBLIC_READS"] == "300 per minute;5000 per hour"
    app = make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_PUBLIC_READS="5 per minute")
    client = app.test_client()
    answers = [client.get(path) for path in PUBLIC_READS]
    assert all(a.status_code != 429 for a in answers), [a.status_code for a in answers]
    for path in PUBLIC_READS:  # one count for all of them
        refused = client.get(path)
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0, path
        assert refused.json["error"]["message"].startswith("too many requests from your address (at most 5 per")
    assert client.get("/api/v1/openapi.json").status_code == 200  # other reads are not counted
    assert client.post("/api/v1/verify", data={}).status_code == 400  # nor is verification, counted apart


def test_the_limits_are_off_in_tests_unless_turned_on(make_app: MakeApp, database_url: str) -> None:
    app = make_app(database_url, RATELIMIT_PUBLIC_READS="1 per minute", RATELIMIT_VERIFY="1 per minute")
    client = app.test_client()
    assert all(client.get("/api/v1/seal/certificate").status_code == 200 for _ in range(3))
    assert all(client.post("/api/v1/verify", data={}).status_code == 400 for _ in range(3))


def test_a_limit_that_does_not_parse_refuses_to_start(make_app: MakeApp, database_url: str) -> None:
    with pytest.raises(ValueError, match="COALITION_RATELIMIT_PUBLIC_READS must be limits such as"):
        make_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_PUBLIC_READS="many per fortnight")
