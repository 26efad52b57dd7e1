"""How many signatures of a statement counted over time, for its page's chart: computed from the read models'
versioned rows (`signature_history`), and a cheap mark of when that could have changed (`history_mark`)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from coalition.reads.statements import counts
from projections import statements as tables
from projections.audit import coalition_log
from projections.coalitions import memberships


def history_mark(connection: Connection, coalition_id: str, statement_id: str) -> tuple[int, ...]:
    """The last positions at which `signature_history` could have changed: where a row of the statement, of its
    signatures or of the coalition's memberships began (a row of these ends only where the next one begins).
    Equal marks, equal histories: a cache key, read from three index seeks."""
    marks = []
    for table, where in (
        (tables.statements, tables.statements.c.statement_id == statement_id),
        (tables.signatures, tables.signatures.c.statement_id == statement_id),
        (memberships, memberships.c.coalition_id == coalition_id),
    ):
        marks.append(int(connection.execute(select(func.max(table.c.from_position)).where(where)).scalar() or 0))
    return tuple(marks)


def signature_history(connection: Connection, coalition_id: str, statement_id: str) -> list[tuple[str, int]]:
    """(recorded_at, how many signatures counted) after each change of the signatures, of the version or of
    the members' states, from the first signature on; empty when no organisation ever signed. Which count is
    the domain's `policy.counts`, asked of the rows true at each of those positions.

    One pass over the positions in order: each row is applied where it starts and where it ends, and the
    rule is asked again only of the signatures whose arguments changed there (an organisation's signature
    or membership state; all of them when the current version changes), so the cost grows with the number
    of changes, not with changes times signatures."""
    sig, text, member = tables.signatures.c, tables.statements.c, memberships.c
    signed = connection.execute(
        select(sig.from_position, sig.until_position, sig.version_hash, sig.status, sig.organisation_id).where(
            sig.statement_id == statement_id
        )
    ).all()
    if not signed:
        return []
    versions = connection.execute(
        select(text.from_position, text.until_position, text.version_hash).where(text.statement_id == statement_id)
    ).all()
    states = connection.execute(
        select(member.from_position, member.until_position, member.organisation_id, member.state).where(
            member.coalition_id == coalition_id
        )
    ).all()
    first = min(row.from_position for row in signed)
    changes = {row.from_position for row in [*signed, *versions]}
    changes |= {row.until_position for row in signed if row.until_position is not None}
    changes |= {p for m in states for p in (m.from_position, m.until_position) if p is not None and p >= first}
    positions = sorted(changes)
    times = dict(
        connection.execute(
            select(coalition_log.c.position, coalition_log.c.recorded_at).where(
                coalition_log.c.coalition_id == coalition_id, coalition_log.c.position >= positions[0]
            )
        ).all()
    )
    # Where each row starts (True) and ends (False) being true; a row that is never true is left out.
    turns: dict[int, list[tuple[str, int, bool]]] = defaultdict(list)
    for kind, rows in (("signature", signed), ("version", versions), ("member", states)):
        for index, row in enumerate(rows):
            if row.until_position is None or row.until_position > row.from_position:
                turns[row.from_position].append((kind, index, True))
                if row.until_position is not None:
                    turns[row.until_position].append((kind, index, False))
    # What is true after the positions gone by. Where rows overlap, the first version row true and each
    # organisation's last membership row true stand, in the rows' order (as `next` and a dict would).
    true_versions: dict[int, str | None] = {}
    member_rows: dict[str, dict[int, str]] = defaultdict(dict)
    now: dict[str, str] = {}
    held: dict[str, set[int]] = defaultdict(set)  # an organisation's signature rows true, by index
    counting: dict[int, bool] = {}  # whether each signature row true counts (kept while there is a version)
    current: str | None = None
    total = 0
    asked = [dict(row._mapping) for row in signed]
    history = []
    for position in sorted(changes | turns.keys()):
        touched: set[str] = set()
        for kind, index, opens in turns.get(position, ()):
            if kind == "version":
                if opens:
                    true_versions[index] = versions[index].version_hash
                else:
                    del true_versions[index]
            elif kind == "member":
                m = states[index]
                if opens:
                    member_rows[m.organisation_id][index] = m.state
                else:
                    del member_rows[m.organisation_id][index]
                touched.add(m.organisation_id)
            else:
                organisation = signed[index].organisation_id
                if opens:
                    held[organisation].add(index)
                else:
                    held[organisation].discard(index)
                    total -= counting.pop(index, False)
                touched.add(organisation)
        for organisation in touched:
            true_states = member_rows.get(organisation)
            if true_states:
                now[organisation] = true_states[max(true_states)]
            else:
                now.pop(organisation, None)
        before = current
        current = true_versions[min(true_versions)] if true_versions else None
        if current is None:
            counting.clear()
            total = 0
        else:
            again = set(held) if current != before else touched
            for organisation in again:
                for index in held.get(organisation, ()):
                    counts_now = counts(asked[index], current, now)
                    total += counts_now - counting.get(index, False)
                    counting[index] = counts_now
        if position in changes and current is not None and position in times:
            history.append((times[position], total))
    return history
