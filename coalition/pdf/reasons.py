"""Why a PDF is not genuine (or could not be checked): each reason a message id with parameters, like a refusal.

A `Reason` is a `str` (its English text, parameters filled in, as the API's `reasons` and the log line carry
it) that also keeps its message id and parameters, so the `/verify` page and the API's `reason_details` show
it in the reader's language (`coalition.web.errors.translated_reason`). Babel extracts the first argument of
`Reason(...)` (babel.cfg). The checker's child process sends reasons to the parent as `[message, params]`.
"""

from __future__ import annotations

from typing import Any

from coalition.domain.base import fill


class Reason(str):
    """One reason: the English text, with `message` (the id) and `params` kept for translation."""

    message: str
    params: dict[str, Any]

    def __new__(cls, message: str, /, **params: Any) -> Reason:
        made = super().__new__(cls, fill(message, params))
        made.message, made.params = message, params
        return made

    def plain(self) -> list[Any]:
        """As JSON-ready data: `[message, params]`."""
        return [self.message, self.params]

    @classmethod
    def from_plain(cls, data: Any) -> Reason:
        """Back from `plain` (or from a bare string, taken as a message without parameters)."""
        if isinstance(data, list) and len(data) == 2 and isinstance(data[1], dict):
            return cls(str(data[0]), **{str(k): v for k, v in data[1].items()})
        return cls(str(data))


def of(value: str) -> Reason:
    """`value` as a Reason (one made elsewhere, or a plain text taken as its own message id)."""
    return value if isinstance(value, Reason) else Reason(value)
