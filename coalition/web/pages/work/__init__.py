"""Commitments and tasks from the browser, my organisations' responsibilities, the objectives x organisations grid."""

from coalition.web.pages.work import index, items, objectives, overview  # noqa: F401  (routes)
from coalition.web.pages.work.blueprint import bp

__all__ = ["bp"]
