"""One HTTP POST to a webhook endpoint, through urllib3, to the address the guard checked.

The connection goes to the checked IP address while the Host header, TLS server name and certificate
check use the URL's host name, so the name is resolved once, for the check, and cannot be re-pointed
between check and connect. Redirects are followed by hand (301, 302, 307, 308: the POST is repeated),
each target checked again, at most `MAX_REDIRECTS` of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin

import urllib3

from coalition.domain.base import DomainError
from coalition.webhooks.guard import Resolver, Target, check

MAX_REDIRECTS = 3
FOLLOWED = frozenset({301, 302, 307, 308})
TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)
MAX_ANSWER = 4096  # bytes of the answer read, at most (it is never kept)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to: the last HTTP status (None if none came) and an error text on failure."""

    status: int | None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300 and self.error is None


def _pool(target: Target, address: str) -> urllib3.HTTPConnectionPool:
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=TIMEOUT,
            retries=False,
            maxsize=1,
            cert_reqs="CERT_REQUIRED",
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=TIMEOUT, retries=False, maxsize=1)


def _once(target: Target, body: bytes, headers: Mapping[str, str]) -> urllib3.BaseHTTPResponse:
    """POST to the first checked address that accepts a connection."""
    error: Exception | None = None
    for address in target.addresses:
        pool = _pool(target, address)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": target.host_header},
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
            )
            response.read(MAX_ANSWER)
            response.release_conn()
            return response
        except urllib3.exceptions.NewConnectionError as refused:
            error = refused  # try the host's next address
        finally:
            pool.close()
    assert error is not None
    raise error


def post(
    url: str, body: bytes, headers: Mapping[str, str], *, allow_private: bool, resolve: Resolver | None
) -> Outcome:
    """POST `body` to `url`, following checked redirects; the outcome, never an exception."""
    status: int | None = None
    for _ in range(MAX_REDIRECTS + 1):
        try:
            target = check(url, allow_private=allow_private, resolve=resolve)
        except DomainError as refused:
            return Outcome(status, f"refused {url}: {refused}")
        try:
            response = _once(target, body, headers)
        except urllib3.exceptions.HTTPError as failed:
            return Outcome(status, f"{type(failed).__name__}: {failed}"[:500])
        status = response.status
        location = response.headers.get("Location")
        if status not in FOLLOWED or not location:
            return Outcome(status, None if 200 <= status < 300 else f"the endpoint answered {status}")
        url = urljoin(url, location)
    return Outcome(status, f"more than {MAX_REDIRECTS} redirects")
