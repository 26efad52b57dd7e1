"""Read models built from the log, and the runner that keeps them current."""

from projections.base import Projection, checkpoints, metadata
from projections.runner import ProjectionRunner, Status, UnknownProjection
from projections.streams import StreamCatalogue, stream_heads


def default_projections() -> list[Projection]:
    """A fresh instance of every projection the application keeps."""
    return [StreamCatalogue()]


__all__ = [
    "Projection",
    "ProjectionRunner",
    "Status",
    "StreamCatalogue",
    "UnknownProjection",
    "checkpoints",
    "default_projections",
    "metadata",
    "stream_heads",
]
