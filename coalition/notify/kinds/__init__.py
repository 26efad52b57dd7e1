"""Who hears of what: each module registers its reactions to events and its reminders with the reactor.

A reaction asks the read layer (`coalition.reads.people`, the statement and coalition rows) and the domain's
policy who must act; it never decides a rule itself.
"""

from coalition.notify.kinds import statements  # noqa: F401  (registers)

#: Every kind of message a person can choose how to receive (the preferences), with its description.
KINDS: dict[str, str] = {
    "statement_opened": "A statement opens for signatures",
}
