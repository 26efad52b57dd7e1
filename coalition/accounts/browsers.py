"""A browser's User-Agent, said in a few words for the list of a person's sessions ("Firefox 128 · Linux")."""

from __future__ import annotations

from ua_parser import parse

#: Longer User-Agent strings are cut before parsing: real ones are a few hundred characters at most.
LONGEST = 512


def describe(user_agent: str) -> str:
    """The browser and its system, as the person would name them; the raw string, shortened, if unknown."""
    text = "".join(c for c in user_agent[:LONGEST] if c.isprintable()).strip()
    if not text:
        return ""
    found = parse(text)
    browser = found.user_agent.family if found.user_agent else ""
    if browser and found.user_agent and found.user_agent.major:
        browser = f"{browser} {found.user_agent.major}"
    system = found.os.family if found.os else ""
    if browser and system:
        return f"{browser} · {system}"
    return browser or system or text[:60]
