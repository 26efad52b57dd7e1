"""Judging an HTTP load run: the targets of the closed loop and of the open loop, and the printed table."""

from __future__ import annotations

from typing import Any

from bench.report import Target

SIGNING_RATE = 400  # requests/s
#: Of the trivial endpoint's rate, by backend ("Signatures at campaign scale"; an earlier issue asked 0.4× of both).
SIGNING_RATIO = {"sqlite": 0.30, "postgresql": 0.25}
SIGNING_P99_MS = 100
OPEN_P99_MS = 100  # every endpoint of the open loop
SEND_LAG_P99_MS = 10  # the generator kept its schedule: else its figures are not to be trusted


def _log_targets(backend: str, log: dict[str, Any]) -> list[Target]:
    """Correctness, whatever the load: every acknowledged signature once, none twice, the chain intact."""
    return [
        Target(
            f"{backend}: acknowledged signatures not in the log exactly once",
            log["acknowledged_not_once"],
            1,
            "signatures",
            higher_is_better=False,
        ),
        Target(
            f"{backend}: organisations signed twice in the log", log["twice"], 1, "signatures", higher_is_better=False
        ),
        Target(f"{backend}: hash chain verifies", 1.0 if log["chain_ok"] else 0.0, 1, "", higher_is_better=True),
    ]


def _errors(result: dict[str, Any], signing: str) -> int:
    return sum(e["errors"] for phase in ("trivial", signing) for e in result[phase]["endpoints"].values())


def _open_targets(result: dict[str, Any]) -> list[Target]:
    """The open loop: each endpoint's p99 from its scheduled send time, no errors, the schedule kept."""
    backend, phase = result["backend"], result["open"]
    judged = [
        Target(f"{backend}: open loop {name} p99 ≤ {OPEN_P99_MS} ms", e["p99_ms"], OPEN_P99_MS + 1e-9, "ms", False)
        for name, e in phase["endpoints"].items()
    ]
    lag = phase["send_lag_p99_ms"]
    return [
        *judged,
        Target(f"{backend}: errors (both phases)", _errors(result, "open"), 1, "errors", higher_is_better=False),
        Target(
            f"{backend}: generator kept its schedule (send lag p99 ≤ {SEND_LAG_P99_MS} ms)",
            float("inf") if lag is None else lag,
            SEND_LAG_P99_MS + 1e-9,
            "ms",
            higher_is_better=False,
        ),
    ]


def targets(result: dict[str, Any]) -> list[Target]:
    """The issue's targets, judged on one backend's figures."""
    backend = result["backend"]
    if "open" in result:
        return [*_open_targets(result), *_log_targets(backend, result["log"])]
    sign = result["mix"]["endpoints"].get("sign", {"per_second": 0.0, "p99_ms": float("inf"), "errors": 0})
    trivial = result["trivial"]["endpoints"]["healthz"]
    return [
        Target(f"{backend}: signing ≥ {SIGNING_RATE} requests/s", sign["per_second"], SIGNING_RATE, "requests/s"),
        Target(
            f"{backend}: signing ≥ {SIGNING_RATIO.get(backend, 0.30):.2f}× the trivial endpoint",
            sign["per_second"] / trivial["per_second"],
            SIGNING_RATIO.get(backend, 0.30),
            "×",
        ),
        Target(
            f"{backend}: signing p99 ≤ {SIGNING_P99_MS} ms",
            sign["p99_ms"],
            SIGNING_P99_MS + 1e-9,
            "ms",
            higher_is_better=False,
        ),
        Target(f"{backend}: errors (both phases)", _errors(result, "mix"), 1, "errors", higher_is_better=False),
        *_redecision_targets(backend, result),
        *_log_targets(backend, result["log"]),
    ]


#: At most this share of signatures may be decided again because another signer appended meanwhile.
REDECIDED_PERCENT = 1.0


def _redecision_targets(backend: str, result: dict[str, Any]) -> list[Target]:
    """Signers do not conflict: the share of recorded signatures whose command decided again after a conflict
    (counted from the server's request log; every conflict in this run is with another signer)."""
    counted = result.get("redecisions")
    if not counted or not counted["signatures"]:
        return []
    share = 100 * counted["redecided"] / counted["signatures"]
    name = f"{backend}: signatures decided again after another's append ({counted['signatures']:,} recorded)"
    return [Target(name, share, REDECIDED_PERCENT + 1e-9, "%", higher_is_better=False)]


def format_run(document: dict[str, Any]) -> str:
    m = document["machine"]
    s = document["settings"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, {m['os']}",
        f"Python {m['python']}, SQLite {m['sqlite']}"
        + (f", PostgreSQL {document['postgresql']['server_version']}" if document.get("postgresql") else ""),
        f"Settings: {s['clients']} clients, gunicorn {s['workers']} "
        + (f"gthread workers of {s['threads']} threads, group commit" if s.get("threads", 1) > 1 else "sync workers")
        + ", phases of up to "
        f"{s['duration']:g} s, {s['organisations']} organisations"
        + (f"; open loop {s['rate']:g} signatures/s + {s['read_rate']:g} reads/s" if s.get("rate") else ""),
        f"CPUs: {s['pinning']}",
        "Read models: "
        + (
            "a projection worker beside gunicorn (COALITION_PROJECTIONS=worker)"
            if s.get("projections") == "worker"
            else "in each append's transaction (inline)"
        ),
        "",
        f"{'backend':<11} {'phase':<8} {'endpoint':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'errors':>7}  statuses",
        "-" * 118,
    ]
    for result in document["results"]:
        for phase in ("trivial", "mix", "open"):
            for name, e in result.get(phase, {"endpoints": {}})["endpoints"].items():
                statuses = ", ".join(f"{status}: {count}" for status, count in sorted(e["statuses"].items()))
                lines.append(
                    f"{result['backend']:<11} {phase:<8} {name:<10} {e['requests']:>9,} "
                    f"{e['per_second']:>8,.0f} {e['p50_ms']:>8.1f} {e['p95_ms']:>8.1f} {e['p99_ms']:>8.1f} "
                    f"{e['p999_ms']:>9.1f} {e['errors']:>7}  {statuses}"
                )
        if result.get("open", {}).get("send_lag_p99_ms") is not None:
            lines.append(f"{result['backend']:<11} open: send lag p99 {result['open']['send_lag_p99_ms']:.1f} ms")
            worst = result["open"].get("worst_ms_by_second") or []
            if worst:
                shown = ", ".join(f"{latency:,.0f}" for latency in worst)
                lines.append(
                    f"{result['backend']:<11} open: the longest latency (ms) of each scheduled second: {shown}"
                )
        if result.get("projections_caught_up_s") is not None:
            lines.append(
                f"{result['backend']:<11} projections: caught up with the log "
                f"{result['projections_caught_up_s']:.2f} s after the phase ended"
            )
        if result.get("redecisions"):
            again = result["redecisions"]
            lines.append(
                f"{result['backend']:<11} re-decisions: {again['redecided']:,} for {again['signatures']:,} signatures "
                "recorded (a command decided again after another request's append; from the request log)"
            )
        log = result["log"]
        lines.append(
            f"{result['backend']:<11} log: {log['acknowledged']:,} acknowledged, {log['in_log']:,} signatures "
            f"in the log, {log['acknowledged_not_once']} acknowledged but not there exactly once, "
            f"{log['twice']} twice, {log['unacknowledged_in_log']} there but unacknowledged; chain "
            f"{'verifies' if log['chain_ok'] else 'BROKEN'} over {log['events']:,} events "
            f"(seeded in {result['seed_seconds']:.0f} s)"
        )
    lines += ["", "Targets"]
    for target in document["targets"]:
        shown = Target(target["name"], target["value"], target["threshold"], target["unit"], target["higher_is_better"])
        described = (
            shown.describe()
            if target["unit"] in ("×", "requests/s", "%")
            else f"{target['value']:,.1f} {target['unit']}"
        )
        lines.append(f"  {target['result']}  {target['name']:<66} {described}")
    return "\n".join(lines)
