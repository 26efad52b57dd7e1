"""What a read is labelled with: a stream's version as the read models know it (for ETags)."""

from __future__ import annotations

from projections.streams import seen_version

__all__ = ["seen_version"]
