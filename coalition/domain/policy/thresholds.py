"""A statement's threshold: how many organisations' counted signatures it needs before it may be published."""

from __future__ import annotations

from coalition.domain.base import DomainError, RuleBroken


def needed(threshold: int | None) -> int:
    """How many organisations must sign before the statement may be published (no threshold: one)."""
    return threshold or 1


def threshold_met(counted_count: int, threshold: int | None) -> bool:
    """True when `counted_count` signatures reach the threshold (None means 1)."""
    return counted_count >= needed(threshold)


def publish_threshold_refusal(counted_count: int, threshold: int | None) -> DomainError | None:
    """Why a statement with `counted_count` counted signatures may not be published: below its threshold; or None."""
    if threshold_met(counted_count, threshold):
        return None
    if needed(threshold) == 1:
        return RuleBroken(
            "the statement needs 1 signing organisation to be published and has %(counted)s", counted=counted_count
        )
    return RuleBroken(
        "the statement needs %(needed)s signing organisations to be published and has %(counted)s",
        needed=needed(threshold),
        counted=counted_count,
    )
