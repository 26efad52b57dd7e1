"""The SSRF guard: a webhook may only reach a public http(s) address, checked at registration, before every
delivery and on every redirect. The request then goes to the very address checked (see `transport`), so a
name that resolves differently a moment later (DNS rebinding) cannot steer it elsewhere."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from coalition.domain.base import Invalid

MAX_URL = 2000
Resolver = Callable[..., list[tuple[Any, ...]]]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL leads: its scheme, host name, port, the path with its query, and the checked addresses."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        """The Host header: the name as written, with the port unless it is the scheme's default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address no webhook may reach: loopback, private, link-local, multicast, reserved, unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return refused(address.ipv4_mapped)
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def parse(url: str) -> tuple[str, str, int, str]:
    """The scheme, host, port and path of a webhook URL, or Invalid saying what is wrong with it."""
    if not isinstance(url, str) or not url.strip() or len(url) > MAX_URL:
        raise Invalid("the URL must be given, at most %(most)s characters", most=MAX_URL)
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise Invalid("the URL must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Invalid("the URL is not a valid URL") from None
    if parts.scheme not in ("http", "https"):
        raise Invalid("the URL must start with http:// or https://")
    if not parts.hostname:
        raise Invalid("the URL must name a host")
    if parts.username is not None or parts.password is not None:
        raise Invalid("the URL must not contain a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def check(url: str, *, allow_private: bool = False, resolve: Resolver | None = None) -> Target:
    """The URL's target with every address it resolves to checked, or Invalid saying why it is refused.

    `resolve`: how host names are resolved (default: `socket.getaddrinfo`, looked up at each call).
    """
    scheme, host, port, path = parse(url)
    try:
        found = (resolve or socket.getaddrinfo)(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Invalid("the URL's host %(host)s could not be resolved", host=host) from None
    addresses = tuple(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))
    if not addresses:
        raise Invalid("the URL's host %(host)s could not be resolved", host=host)
    if not allow_private:
        for text in addresses:
            if refused(ipaddress.ip_address(text)):
                raise Invalid(
                    "the URL's host %(host)s leads to %(address)s, a private, local or reserved address:"
                    " webhooks only reach public addresses",
                    host=host,
                    address=text,
                )
    return Target(scheme, host, port, path, addresses)
