"""Test-only: make creating an app cheap, since every test creates its own.

Most of `create_app` (0.3 to 0.4 s on this machine) is werkzeug compiling, for each of the ~100
URL rules, two Python functions that build its URLs (an AST walk and `compile` each). The code of
such a function depends only on the rule's parsed parts (`_trace`), the names of its defaults and
whether unknown arguments are appended: the rule itself is passed in when the function is bound.
So the functions are compiled once per distinct rule and shared by every app of the session.
Should werkzeug change these internals, the cache turns itself off and apps are built as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.routing import rules


def cache_url_builders() -> bool:
    """Compile each distinct rule's URL builders once per process; False if werkzeug's internals differ."""
    rule_class: Any = rules.Rule
    original = getattr(rule_class, "_compile_builder", None)
    if original is None or getattr(original, "cached", False):
        return original is not None
    cache: dict[tuple[Any, ...], Callable[..., Any]] = {}

    def compile_builder(self: Any, append_unknown: bool = True) -> Callable[..., Any]:
        trace = getattr(self, "_trace", None)
        defaults = self.defaults or {}
        if not isinstance(trace, list) or any(dynamic and data in defaults for dynamic, data in trace):
            return original(self, append_unknown)  # type: ignore[no-any-return]
        key = (tuple(trace), tuple(str(name) for name in defaults), append_unknown)
        if key not in cache:
            cache[key] = original(self, append_unknown)
        return cache[key]

    compile_builder.cached = True  # type: ignore[attr-defined]
    rule_class._compile_builder = compile_builder
    return True
