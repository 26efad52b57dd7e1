"""The app as it runs in production, as child processes: gunicorn on a loopback port, the projection worker.

Both are started the documented way (`python -m gunicorn ... wsgi:app`, `flask --app wsgi projections
run`), configured only through `COALITION_*` environment variables, in their own process groups, so
that a test can kill one with SIGKILL (workers and all) and start it again on the same database.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(url: str, instance: Path, **settings: object) -> dict[str, str]:
    """The child's environment: ours, plus the app's settings as COALITION_* variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("COALITION_")}
    base = {
        "DATABASE_URL": url,
        "SECRET_KEY": "load-test",
        "RATELIMIT_ENABLED": "false",
        "SEAL_DIRECTORY": str(instance),
        "PDF_CACHE_DIRECTORY": str(instance / "pdf-cache"),
    }
    for name, value in {**base, **settings}.items():
        env[f"COALITION_{name}"] = value if isinstance(value, str) else str(value).lower()
    return env


class Child:
    """One long-running child process in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, dict(env), log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the whole process group (SIGKILL: no goodbyes, no clean-up) and reap it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if sig == signal.SIGKILL:  # the group's other members (gunicorn's workers) die with it; wait them out
            _wait_group_gone(self.process.pid)
        self.process = None

    def stop(self) -> None:
        """A graceful stop (SIGTERM), as a supervisor would do it."""
        self.kill(signal.SIGTERM)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self, lines: int = 30) -> str:
        """The end of the child's log, for error messages."""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""


def _wait_group_gone(group: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


class Server(Child):
    """gunicorn serving `wsgi:app` with `workers` processes on a free loopback port."""

    def __init__(
        self,
        env: Mapping[str, str],
        log: Path,
        workers: int = 4,
        port: int | None = None,
        worker_class: str = "sync",
        threads: int = 1,
    ) -> None:
        self.port = port or free_port()
        self.workers = workers
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "--backlog",
            "2048",
            "--graceful-timeout",
            "5",
            "wsgi:app",
        ]
        super().__init__("gunicorn", argv, env, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start and wait until /healthz answers (the app is built and every worker can take requests)."""
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"gunicorn exited at start-up:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer /healthz within {timeout} s:\n{self.tail()}")


class ProjectionWorker(Child):
    """`flask projections run`: follows the log and keeps the read models current."""

    def __init__(self, env: Mapping[str, str], log: Path, idle_wait: float = 0.5) -> None:
        argv = [sys.executable, "-m", "flask", "--app", "wsgi", "projections", "run", "--idle-wait", str(idle_wait)]
        super().__init__("projection worker", argv, env, log)


def flask(env: Mapping[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run one `flask --app wsgi ...` command on the same configuration; its output is returned."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class Running:
    """Start children on entering, and on leaving stop whichever are still running."""

    def __init__(self, *children: Child) -> None:
        self.children = children

    def __enter__(self) -> Running:
        try:
            for child in self.children:
                child.start()
        except BaseException:  # one failed to start: stop those already running (and it, if it hangs on)
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        for child in self.children:
            if child.running:
                child.stop()
