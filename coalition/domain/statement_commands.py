"""The statement aggregate's commands: imperative dataclasses, decided by `coalition.domain.statement.decide`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from coalition.domain.statement_state import Text


@dataclass(frozen=True, slots=True)
class DraftStatement:
    statement_id: str
    title: str
    body: str
    language: str
    organisation_id: str | None = None  # for a member's draft: the organisation the drafter acts for


@dataclass(frozen=True, slots=True)
class ReviseDraft:
    title: str | None = None
    body: str | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class SetTranslation:
    language: str
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class OpenStatement:
    deadline: datetime | None = None
    threshold: int | None = None


@dataclass(frozen=True, slots=True)
class AmendStatement:
    title: str | None = None
    body: str | None = None
    translations: Mapping[str, Text] | None = None  # languages given replace theirs; others stay


@dataclass(frozen=True, slots=True)
class SignStatement:
    organisation_id: str
    signer_name: str
    signer_title: str  # empty: the title of the signer's mandate
    version_hash: str | None = None  # the version the signer read; refused if the text has changed since


@dataclass(frozen=True, slots=True)
class ConfirmSignature:
    organisation_id: str
    signer_name: str
    signer_title: str
    version_hash: str | None = None  # the version whose changes the signer read


@dataclass(frozen=True, slots=True)
class WithdrawSignature:
    organisation_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class EndorseStatement:
    name: str
    title: str | None = None


@dataclass(frozen=True, slots=True)
class CloseStatement:
    pass


@dataclass(frozen=True, slots=True)
class PublishStatement:
    place: str = ""  # where the coalition issues it ("Bucharest"), printed before the date on the PDF


Command = (
    DraftStatement
    | ReviseDraft
    | SetTranslation
    | OpenStatement
    | AmendStatement
    | SignStatement
    | ConfirmSignature
    | WithdrawSignature
    | EndorseStatement
    | CloseStatement
    | PublishStatement
)
