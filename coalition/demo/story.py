"""How the demo story is recorded: steps planned as the demo's people on past days, played oldest first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from coalition.handlers import Context
from coalition.infra.extensions import Services


@dataclass(frozen=True)
class Ref:
    """The id an earlier step kept under this name, looked up when the step is played."""

    name: str


@dataclass
class Story:
    """Commands as the demo's people, each on a day `days_ago` before today, played in time order."""

    services: Services
    today: date
    users: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)
    steps: list[tuple[int, int, Callable[[], None]]] = field(default_factory=list)

    def on(
        self,
        days_ago: int,
        person: str,
        handler: Callable[..., dict[str, Any]],
        *args: Any,
        keep: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Plan one handler call as `person` on that day; keep the id it answers under the name `keep`."""
        day = self.today - timedelta(days=days_ago)

        def play() -> None:
            self.services.store.clock = lambda: datetime.combine(day, time(9, 30), UTC)
            answer = handler(
                Context(self.services, self.users[person], day),
                *map(self._value, args),
                **{name: self._value(value) for name, value in kwargs.items()},
            )
            if keep:
                self.ids[keep] = answer["id"]

        self.steps.append((-days_ago, len(self.steps), play))

    def _value(self, value: Any) -> Any:
        return self.ids[value.name] if isinstance(value, Ref) else value

    def play(self) -> None:
        """Record the planned steps, oldest first, so that the log's times only move forward."""
        for _, _, step in sorted(self.steps, key=lambda s: s[:2]):
            step()


class Refs:
    """`ids["k_staff"]` in the plan: a reference to the id an earlier step keeps."""

    def __getitem__(self, name: str) -> Ref:
        return Ref(name)
