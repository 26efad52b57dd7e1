"""Who hears of what: each module registers its reactions to events and its reminders with the reactor.

A reaction asks the read layer (`coalition.reads.people`, `coalition.reads.due`, the statement and coalition
rows) and the domain's policy who must act; it never decides a rule itself.
"""

from flask_babel import lazy_gettext as _l

from coalition.notify.kinds import ending, evaluations, membership, statements, work  # noqa: F401  (registers)

#: Every kind of message a person can choose how to receive (the preferences), with its description (lazily
#: translated: `str()` it in the reader's language).
KINDS = {
    "statement_opened": _l("A statement opens for signatures"),
    "statement_amended": _l("A statement your organisation signed was amended: confirm the signature"),
    "statement_deadline_3": _l("Three days before a statement you have not signed closes"),
    "statement_deadline_1": _l("The day before a statement you have not signed closes"),
    "statement_closed": _l("Signing closes on a statement you signed or facilitate"),
    "statement_published": _l("A statement you signed is published (with its sealed PDF)"),
    "membership_requested": _l("An organisation asks to join a coalition you facilitate"),
    "member_invited": _l("Your organisation is invited to join a coalition"),
    "membership_approved": _l("Your organisation's request to join is approved"),
    "membership_declined": _l("Your organisation's request to join is declined"),
    "member_suspended": _l("Your organisation is suspended from a coalition"),
    "member_reinstated": _l("Your organisation is reinstated in a coalition"),
    "role_assigned": _l("You are given a role in a coalition"),
    "task_assigned": _l("A task is given to your organisation"),
    "commitment_due": _l("A week before your organisation's commitment is due"),
    "commitment_overdue": _l("Your organisation's commitment is overdue"),
    "task_overdue": _l("Your organisation's task is overdue"),
    "evaluation_opened": _l("An evaluation round opens in a coalition where you answer for your organisation"),
    "coalition_ending": _l("60 and 14 days before a coalition you facilitate reaches its end date"),
    "webhook_disabled": _l("A webhook of a coalition you facilitate is turned off after failing for a day"),
}
