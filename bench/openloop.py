"""Open-loop load: requests sent on a fixed schedule, whatever the server does.

A closed-loop client sends its next request only when the previous one is answered, so a server that
stalls for a second receives fewer requests during that second and the stall shows up in one latency
instead of in every request that should have been sent meanwhile ("coordinated omission"). Here every
request has a scheduled send time, fixed before the run (`rate` per second, evenly spaced), and its
latency is measured from that scheduled time, not from when it was actually sent: a request that had
to wait for a connection, or for the loop to get round to it, waits on the clock, as a person would.
This is the correction wrk2 makes.

The driver also records how late it sent each request (`send_lag`): when the generator itself falls
behind its schedule (an overloaded machine), the figures say so instead of hiding it.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

#: The reads of the open-loop phase, in turn: (endpoint, whose token: "member" or "facilitator").
READS = (("standing", "member"), ("statement", "member"), ("audit", "facilitator"))


@dataclass(frozen=True, slots=True)
class Send:
    """One scheduled request: when (seconds after the start) and to which endpoint; `n` counts per endpoint."""

    at: float
    endpoint: str
    n: int


def schedule(rate: float, read_rate: float, duration: float) -> list[Send]:
    """Every send of the run, in time order: `rate` signatures and `read_rate` reads per second, evenly spaced.

    The reads take turns over `READS`; a rate of 0 sends nothing of that kind."""
    signs = [Send(i / rate, "sign", i) for i in range(int(rate * duration))] if rate > 0 else []
    turns = itertools.cycle(endpoint for endpoint, _ in READS)
    reads = [Send(j / read_rate, next(turns), j) for j in range(int(read_rate * duration))] if read_rate > 0 else []
    return sorted(signs + reads, key=lambda send: (send.at, send.endpoint != "sign"))


#: What sends one request and returns its status text ("201", "ClientConnectorError").
Sender = Callable[[Send], Awaitable[str]]
#: Where a finished request goes: (endpoint, status, latency measured from its scheduled time, its scheduled time
#: after the start; both in seconds).
Recorder = Callable[[str, str, float, float], None]


async def run(
    sends: Sequence[Send],
    sender: Sender,
    record: Recorder,
    clock: Callable[[], float] = time.perf_counter,
    lead: float = 0.05,
) -> list[float]:
    """Send each request at its scheduled time without waiting for earlier answers; return each send's lag (s).

    The latency recorded is answered-at minus scheduled-at, so a queue anywhere (the server, the
    connection pool, this loop) is counted in full."""
    start = clock() + lead
    lags: list[float] = []

    async def one(send: Send, scheduled: float) -> None:
        status = await sender(send)
        record(send.endpoint, status, clock() - scheduled, send.at)

    pending: list[asyncio.Task[None]] = []
    for send in sends:
        scheduled = start + send.at
        wait = scheduled - clock()
        if wait > 0:
            await asyncio.sleep(wait)
        lags.append(max(0.0, clock() - scheduled))
        pending.append(asyncio.ensure_future(one(send, scheduled)))
    await asyncio.gather(*pending)
    return lags
