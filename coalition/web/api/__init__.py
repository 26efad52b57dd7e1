"""The JSON API under /api/v1: one blueprint (in `blueprint`), resources in their own modules."""

from coalition.web.api import (  # noqa: F401  (routes)
    account_changes,
    accounts,
    coalitions,
    ending,
    evaluations,
    inbox,
    invitations,
    listings,
    log,
    notifications,
    objectives,
    openapi,
    organisations,
    partnership,
    reports,
    sessions,
    statements,
    verification,
    webhooks,
    work,
)
from coalition.web.api.blueprint import bp

__all__ = ["bp"]
