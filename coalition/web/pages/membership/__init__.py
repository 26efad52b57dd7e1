"""Membership pages: found a coalition and amend its agreement, join and leave, members, roles."""

from coalition.web.pages.membership import agreement, closing, invitations, joining, members, roles  # noqa: F401  (routes)
from coalition.web.pages.membership.blueprint import bp

__all__ = ["bp"]
