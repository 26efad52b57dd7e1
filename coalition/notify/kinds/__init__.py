"""Who hears of what: each module registers its reactions to events and its reminders with the reactor.

A reaction asks the read layer (`coalition.reads.people`, the statement and coalition rows) and the domain's
policy who must act; it never decides a rule itself.
"""

from coalition.domain.base import N_
from coalition.notify.kinds import statements  # noqa: F401  (registers)

#: Every kind of message a person can choose how to receive (the preferences), with its description
#: (marked with N_ for translation: the preferences page shows it in the reader's language).
KINDS: dict[str, str] = {
    "statement_opened": N_("A statement opens for signatures"),
}
