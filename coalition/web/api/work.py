"""Commitments and tasks over the API."""

from __future__ import annotations

from typing import Any

from coalition.handlers import Context
from coalition.handlers import coalitions as handle
from coalition.web.api.blueprint import bp
from coalition.web.api.edge import command, documented, json_body
from coalition.web.api.schemas import (
    Answer,
    CommitmentRequest,
    CompleteRequest,
    EmptyRequest,
    FulfilRequest,
    ReasonRequest,
    ReassignRequest,
    RescheduleRequest,
    TaskRequest,
)

COMMITMENT = "/coalitions/<coalition_id>/commitments/<commitment_id>"
TASK = "/coalitions/<coalition_id>/tasks/<task_id>"


@bp.post("/coalitions/<coalition_id>/commitments")
@command(201)
@documented(request=CommitmentRequest, response=Answer, status=201)
def pledge(context: Context, coalition_id: str) -> dict[str, Any]:
    """Pledge a contribution for an active member organisation you act for."""
    return handle.pledge(context, coalition_id, **json_body(CommitmentRequest()))


@bp.post(f"{COMMITMENT}/fulfil")
@command(200)
@documented(request=FulfilRequest, response=Answer)
def fulfil(context: Context, coalition_id: str, commitment_id: str) -> dict[str, Any]:
    """Record delivery, with a note on the evidence (the pledging organisation or a facilitator)."""
    return handle.fulfil(context, coalition_id, commitment_id, **json_body(FulfilRequest()))


@bp.post(f"{COMMITMENT}/withdraw")
@command(200)
@documented(request=ReasonRequest, response=Answer)
def withdraw(context: Context, coalition_id: str, commitment_id: str) -> dict[str, Any]:
    """Withdraw a commitment, with a reason (the pledging organisation or a facilitator)."""
    return handle.withdraw(context, coalition_id, commitment_id, **json_body(ReasonRequest()))


@bp.post(f"{COMMITMENT}/reschedule")
@command(200)
@documented(request=RescheduleRequest, response=Answer)
def reschedule(context: Context, coalition_id: str, commitment_id: str) -> dict[str, Any]:
    """Give a commitment a new due date, with a reason (the pledging organisation or a facilitator)."""
    return handle.reschedule(context, coalition_id, commitment_id, **json_body(RescheduleRequest()))


@bp.post("/coalitions/<coalition_id>/tasks")
@command(201)
@documented(request=TaskRequest, response=Answer, status=201)
def create_task(context: Context, coalition_id: str) -> dict[str, Any]:
    """Divide out a task to an active member (facilitators, or the liaison of that member)."""
    return handle.create_task(context, coalition_id, **json_body(TaskRequest()))


@bp.post(f"{TASK}/accept")
@command(200)
@documented(request=EmptyRequest, response=Answer, body_required=False)
def accept_task(context: Context, coalition_id: str, task_id: str) -> dict[str, Any]:
    """Take an open task on (the assignee organisation)."""
    json_body(EmptyRequest(), optional=True)
    return handle.accept_task(context, coalition_id, task_id)


@bp.post(f"{TASK}/complete")
@command(200)
@documented(request=CompleteRequest, response=Answer, body_required=False)
def complete_task(context: Context, coalition_id: str, task_id: str) -> dict[str, Any]:
    """Report a task done, with an optional note (the assignee organisation)."""
    return handle.complete_task(context, coalition_id, task_id, **json_body(CompleteRequest(), optional=True))


@bp.post(f"{TASK}/reassign")
@command(200)
@documented(request=ReassignRequest, response=Answer)
def reassign_task(context: Context, coalition_id: str, task_id: str) -> dict[str, Any]:
    """Give a task to another active member, and optionally a person there (facilitators)."""
    return handle.reassign_task(context, coalition_id, task_id, **json_body(ReassignRequest()))


@bp.post(f"{TASK}/drop")
@command(200)
@documented(request=ReasonRequest, response=Answer)
def drop_task(context: Context, coalition_id: str, task_id: str) -> dict[str, Any]:
    """Drop a task, with a reason (facilitators)."""
    return handle.drop_task(context, coalition_id, task_id, **json_body(ReasonRequest()))
