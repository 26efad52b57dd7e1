"""Read models built from the log, and the runner that keeps them current."""

from projections.audit import ActivityCounts, AuditLog
from projections.base import Projection, checkpoints, metadata
from projections.coalitions import Coalitions
from projections.evaluations import Evaluations
from projections.member_counts import MemberCounts
from projections.organisations import Organisations
from projections.progress import ObjectiveProgress
from projections.runner import ProjectionRunner, Status, TableCheck, UnknownProjection
from projections.statements import Statements
from projections.streams import StreamCatalogue, stream_heads
from projections.tallies import SignatureTallies


def default_projections() -> list[Projection]:
    """A fresh instance of every projection the application keeps."""
    # Coalitions before AuditLog: the audit reads which organisation a commitment or task belongs to.
    # Coalitions and Statements before SignatureTallies: it reads their rows as they stood at each event.
    # Coalitions before MemberCounts: it reads the membership each event closed.
    return [
        StreamCatalogue(),
        Organisations(),
        Coalitions(),
        MemberCounts(),
        Statements(),
        SignatureTallies(),
        Evaluations(),
        AuditLog(),
        ActivityCounts(),
        ObjectiveProgress(),
    ]


__all__ = [
    "Projection",
    "ProjectionRunner",
    "Status",
    "StreamCatalogue",
    "TableCheck",
    "UnknownProjection",
    "checkpoints",
    "default_projections",
    "metadata",
    "stream_heads",
]
