"""A real HTTP receiver for webhook tests: a server on 127.0.0.1 in a thread, answering the statuses it is given."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Receiver:
    """What the server received (headers and body per request), and the statuses it answers, in turn."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    location: str | None = None  # sent with a 3xx answer


@contextmanager
def receiver(statuses: list[int] | None = None, location: str | None = None) -> Iterator[Receiver]:
    """A receiver on a free local port; it answers 204 once `statuses` run out (a 3xx with `location`)."""
    got = Receiver(statuses=list(statuses or []), location=location)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            got.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            status = got.statuses.pop(0) if got.statuses else 204
            self.send_response(status)
            if 300 <= status < 400 and got.location:
                self.send_header("Location", got.location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks?team=7"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
