"""The progress status badges and the awaiting-answer highlight keep WCAG AA contrast (4.5:1) between their text and
their background, as style.css sets them (the badge's words carry the status; the colour only helps)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "coalition" / "static" / "style.css").read_text(encoding="utf-8")
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def colour(value: str) -> str:
    found = re.fullmatch(r"var\(--([a-z-]+)\)", value.strip())
    return VARIABLES[found.group(1)] if found else value.strip()


def rule(selector: str) -> dict[str, str]:
    found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert found, selector
    return {k.strip(): v.strip() for k, v in (d.split(":", 1) for d in found.group(1).split(";") if ":" in d)}


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("selector", [".level-good", ".level-attention", ".level-lapsed", ".evaluation-awaiting"])
def test_status_text_on_its_background_meets_aa(selector: str) -> None:
    declared = rule(selector)
    assert contrast(colour(declared["color"]), colour(declared["background"])) >= 4.5


def test_an_unmeasured_badge_keeps_the_ink_on_the_plain_badge_background() -> None:
    assert contrast(VARIABLES["ink"], colour(rule(".badge")["background"])) >= 4.5


def test_the_awaiting_link_meets_aa_on_the_highlight() -> None:
    background = colour(rule(".evaluation-awaiting")["background"])
    assert contrast(colour(rule(".evaluation-awaiting a")["color"]), background) >= 4.5
