"""Configuration: defaults, then `COALITION_*` environment variables, then a test mapping."""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

PROJECTION_MODES = ("inline", "worker")


def defaults(instance_path: str) -> dict[str, Any]:
    """The settings an empty checkout runs with: SQLite under `instance/`, projections inline."""
    return {
        "DATABASE_URL": f"sqlite:///{Path(instance_path) / 'coalition.db'}",
        # FULL: an acknowledged append survives power loss. NORMAL trades that for speed.
        "SQLITE_SYNCHRONOUS": "FULL",
        "SQLITE_BUSY_TIMEOUT_MS": 10_000,
        # PostgreSQL: seconds a new connection may take before the request is answered 503, try again (at least 2).
        "DATABASE_CONNECT_TIMEOUT": 5,
        # inline: projections are updated in the request's transaction; worker: by `flask projections run`.
        "PROJECTIONS": "inline",
        # true: a process's appends go through one writer thread that records those arriving together in one
        # transaction with one commit (events/writer.py); for threaded workers (gunicorn --threads N). On 2 cores
        # it made signing slower (docs/benchmarks.md), so it is off by default.
        "GROUP_COMMIT": False,
        # A slow hash on purpose (werkzeug's scrypt); the tests choose a fast one.
        "PASSWORD_HASH_METHOD": "scrypt",
        # The statement PDFs' seal: a PKCS#12 file (and its passphrase) if given, else a self-signed key
        # and certificate made on first use in SEAL_DIRECTORY/seal.pem (default: the instance folder).
        "SEAL_PKCS12": None,
        "SEAL_PKCS12_PASSPHRASE": None,
        "SEAL_DIRECTORY": None,
        "PDF_CACHE_DIRECTORY": None,  # default: instance/pdf-cache
        # An RFC 3161 timestamp authority (http:// or https://) for the seal, and the seal's level: B-B (no
        # timestamp; the default without a TSA), B-T (timestamped; the default with one) or B-LT (timestamped,
        # with the certificates and revocation information embedded). See coalition/pdf/timestamps.py.
        "TSA_URL": None,
        "SEAL_LEVEL": None,
        "TSA_ROOTS": None,  # B-LT: a PEM file of TSA root certificates to trust besides the system's
        # Signed checkpoints of the log (docs/log-format.md): the Ed25519 key's file (default: made on first use in
        # instance/checkpoint-ed25519.pem), the origin line (default: PUBLIC_URL's host and path + /log), and how
        # often (seconds) the notification loop signs one when the log has grown (a published statement: at once),
        # and the most events one turn of the loop adds to the Merkle tree (a long log is caught up over turns).
        "CHECKPOINT_KEY": None,
        "CHECKPOINT_ORIGIN": None,
        "CHECKPOINT_INTERVAL": 600,
        "CHECKPOINT_STEP": 20_000,
        # The session cookie: never readable by scripts, not sent on cross-site posts.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # A signed-in browser's session record ends after this many days unused (coalition/accounts/sessions.py).
        "SESSION_IDLE_DAYS": 30,
        # No request body is read past this (bytes): a statement PDF to verify is at most 20 MB.
        "MAX_CONTENT_LENGTH": 21_000_000,
        # Rate limits on sign-in, registration, tokens and verification (coalition/hardening.py), counted
        # in memory per process; with several processes use one shared store: redis://127.0.0.1:6379/0.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Per client address: uploads to check a PDF (the /verify page and POST /api/v1/verify share one count),
        # and the public reads of the log and the seal certificate (one generous count for them all).
        "RATELIMIT_VERIFY": "20 per minute;300 per hour",
        # How many uploaded PDFs one process checks at once (each in a child limited to 10 s CPU and 512 MB);
        # 0: the number of CPUs. A further upload waits a few seconds for a free checker, then gets a 503.
        "VERIFY_CONCURRENCY": 0,
        "RATELIMIT_PUBLIC_READS": "300 per minute;5000 per hour",
        # How many proxies in front of the app set X-Forwarded-For/-Proto (0: clients connect directly).
        "PROXY_HOPS": 0,
        # Webhooks may reach only public addresses; true lets them reach loopback and private networks
        # (tests, or receivers on the same private network): COALITION_WEBHOOK_ALLOW_PRIVATE=true.
        "WEBHOOK_ALLOW_PRIVATE": False,
        # Where people reach this site; printed in the PDFs' "how to verify".
        "PUBLIC_URL": "http://127.0.0.1:5000",
        # Where e-mail goes: smtp://[user:password@]host:port[?tls=starttls|ssl], or file:///absolute/folder
        # (one .eml file per message). None: files in instance/outbox/.
        "MAIL_URL": None,
        "MAIL_FROM": "Coalition <coalition@localhost>",
        # true: this process runs the notification loop in a thread (the development server, `make run`);
        # otherwise run `flask notify run` beside the web processes.
        "NOTIFY_IN_PROCESS": False,
        # Events older than this (days) when the reactor first reads them are not news (after an import).
        "NOTIFY_SKIP_OLDER_THAN_DAYS": 7,
        # `flask backup create`: scrypt's cost (n, a power of two; 2**17 takes 128 MiB and about half a second).
        # The tests choose a small one; keep the default in production. Restores read the cost from the archive.
        "BACKUP_SCRYPT_N": 2**17,
        # How many messages one loop claims at a time (several loops share the outbox on PostgreSQL).
        "NOTIFY_BATCH": 100,
    }


def check(config: dict[str, Any]) -> None:
    """Refuse settings that cannot work, saying which and why."""
    if config["PROJECTIONS"] not in PROJECTION_MODES:
        raise ValueError(f"COALITION_PROJECTIONS must be one of {', '.join(PROJECTION_MODES)}")
    timeout = config["DATABASE_CONNECT_TIMEOUT"]
    if type(timeout) is not int or timeout < 2:  # libpq's least; 0 would wait psycopg's 130 s
        raise ValueError(
            f"COALITION_DATABASE_CONNECT_TIMEOUT must be a whole number of seconds, at least 2: {timeout!r}"
        )
    from coalition.notify.compose import sender
    from coalition.pdf.timestamps import check as check_timestamps

    check_timestamps(config)
    from coalition.notify.transport import transport

    if config.get("MAIL_URL"):
        transport(str(config["MAIL_URL"]))
    sender(config)


def secret_key(instance_path: str) -> str:
    """The key signing sessions: kept in `instance/secret_key` (mode 0600), made on first run.

    The key is written to a private temporary file and linked into place, so that processes
    starting together never read a half-written file and all end up with the same key.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        descriptor, temporary = tempfile.mkstemp(dir=instance_path, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_urlsafe(48))
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
