"""The layout keeps its arrows: no import cycles between our modules, and each package imports only what it may."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("coalition", "events", "projections")


def modules() -> dict[str, Path]:
    """Every module of ours by its dotted name."""
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports(name: str, path: Path, known: set[str]) -> Iterator[str]:
    """The modules of ours that `name` imports, at the top or inside a function, typing-only ones excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            # `from package import module` imports the module; `from module import name` the module
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                yield target


def graph() -> dict[str, set[str]]:
    """Who imports whom among our modules."""
    found = modules()
    return {name: set(imports(name, path, set(found))) for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return groups


def test_no_module_of_ours_is_part_of_an_import_cycle() -> None:
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


#: What each layer may import, as in docs/architecture.md (a prefix allows its submodules).
ALLOWED = {
    "events": ("events",),
    "projections": ("projections", "events"),
    "coalition.domain": ("coalition.domain", "events.hashing", "events.registry", "events"),
}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_what_it_may(layer: str) -> None:
    wrong = sorted(
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name == layer or name.startswith(layer + ".")
        for target in targets
        if not any(target == allowed or target.startswith(allowed + ".") for allowed in ALLOWED[layer])
    )
    assert wrong == []


#: What each layer must not import, of ours or from outside (a prefix forbids its submodules too). The read layer
#: is called outside a request too (commands, the notification reactor): it takes the connection, the reader and
#: the day as arguments, and leaves requests, query parameters and the app's services to the web edge.
FORBIDDEN = {
    "coalition.reads": (
        "flask",
        "flask_login",
        "flask_wtf",
        "marshmallow",
        "werkzeug",
        "coalition.web",
        "coalition.infra.extensions",
    ),
    "coalition.web": ("projections",),  # pages and the API read through coalition.reads
    "coalition.notify": ("coalition.web",),  # the notification loop runs outside any request
    "coalition.web.pages": ("coalition.web.api",),  # what both need lives beside them (coalition.web.reading)
    "coalition.web.api": ("coalition.web.pages",),
    "coalition.webhooks": ("coalition.web", "flask"),  # the worker runs it outside any request; the web imports it
}


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def outside_imports(path: Path) -> Iterator[str]:
    """Every module `path` imports by absolute name, ours or not, typing-only ones excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            yield node.module


@functools.cache
def imported() -> dict[str, set[str]]:
    """What each module of ours imports: our modules (as `graph`) and, by absolute name, everything else."""
    edges = graph()
    return {name: edges[name] | set(outside_imports(path)) for name, path in modules().items()}


def offences(imports_of: dict[str, set[str]], rules: dict[str, tuple[str, ...]]) -> list[str]:
    """Each `module -> target` that a rule forbids (a rule's layer covers its submodules, as its targets do)."""
    return sorted(
        f"{name} -> {target}"
        for layer, forbidden in rules.items()
        for name, targets in imports_of.items()
        if _within(name, layer)
        for target in targets
        if any(_within(target, f) for f in forbidden)
    )


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_what_it_must_not(layer: str) -> None:
    assert offences(imported(), {layer: FORBIDDEN[layer]}) == []


def test_the_forbidden_imports_are_found() -> None:
    """Each rule above catches its offence, and a module whose name only starts alike (flask_babel) is no offence."""
    found = offences(
        {
            "coalition.reads.x": {"flask", "flask_babel", "marshmallow.exceptions", "coalition.web.reading"},
            "coalition.web.pages.x": {"coalition.web.api.edge", "coalition.web.reading"},
            "coalition.web.api.x": {"coalition.web.pages"},
            "coalition.web.x": {"projections.audit"},
            "coalition.handlers.x": {"projections.audit", "flask"},
        },
        FORBIDDEN,
    )
    assert found == [
        "coalition.reads.x -> coalition.web.reading",
        "coalition.reads.x -> flask",
        "coalition.reads.x -> marshmallow.exceptions",
        "coalition.web.api.x -> coalition.web.pages",
        "coalition.web.pages.x -> coalition.web.api.edge",
        "coalition.web.x -> projections.audit",
    ]


def test_the_web_edge_writes_no_queries() -> None:
    """Pages and the API ask `coalition.reads` (or `coalition.accounts`); they build no SQL themselves."""
    wrong = sorted(
        name
        for name, path in modules().items()
        if _within(name, "coalition.web") and "select(" in path.read_text(encoding="utf-8")
    )
    assert wrong == []


#: The longest a module of ours may be, and the modules allowed to be longer (none, today).
MAX_LINES = 320
LONGER: dict[str, int] = {}


def test_no_module_of_ours_is_too_long() -> None:
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    wrong = sorted(f"{name}: {count} lines" for name, count in lengths.items() if count > LONGER.get(name, MAX_LINES))
    assert wrong == []
