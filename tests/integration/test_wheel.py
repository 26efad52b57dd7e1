"""The wheel is the app: built from a clean copy of the sources, installed (not editable) into a fresh
virtualenv and run from a folder outside the checkout, it migrates, serves the sign-in page and its
static files, and exports a statement's PDF drawn from its own templates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
#: Never copied into the build: local state, caches, earlier builds (a stale build/ could hide a missing file).
LOCAL = (".git", ".venv", "instance", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "node_modules")
LOCAL += ("artifacts", "results", "*.db", "*.pem", "*.p12")

#: Run inside the installed app: loads the demo, asks for the sign-in page and a stylesheet, prints what it saw.
SERVE = """
import json, sys
from datetime import date
import coalition
from coalition import create_app, demo
from coalition.infra.extensions import services

app = create_app({"RATELIMIT_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
with app.app_context():
    ids = demo.load(services(), date.today())
client = app.test_client()
login = client.get("/login")
style = client.get("/static/style.css")
json.dump({"coalition": coalition.__file__, "statement": ids["call"], "login": [login.status_code,
    login.get_data(as_text=True)], "style": [style.status_code, len(style.get_data())]}, sys.stdout)
"""


def _build_wheel(tmp: Path) -> Path:
    source = tmp / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*LOCAL))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"), str(source)])
    (wheel,) = (tmp / "dist").glob("coalition-*.whl")
    return wheel


def _fresh_venv(tmp: Path, wheel: Path) -> Path:
    """A new virtualenv holding the wheel; its dependencies are the test environment's (read through a
    .pth file, which does not run that environment's own .pth files, so its editable coalition stays out)."""
    env_dir = tmp / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)])
    return python


def run(command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command; fail the test with its output when it fails."""
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_installed_wheel_serves_pages_and_exports_a_statement_pdf(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    shipped = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "coalition/templates/base.html",
        "coalition/templates/accounts/login.html",
        "coalition/templates/pdf/statement.html",
        "coalition/templates/pdf/statement.css",
        "coalition/static/style.css",
        "coalition/translations/ro/LC_MESSAGES/messages.mo",
        "coalition/migrations/env.py",
        "coalition/migrations/alembic.ini",
    ):
        assert name in shipped, f"{name} is not in the wheel"
    assert not any(name.startswith("templates/") for name in shipped), "the templates must ship inside the package"

    python = _fresh_venv(tmp_path, wheel)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COALITION_", "PYTHON", "FLASK_"))}
    env |= {
        "COALITION_DATABASE_URL": f"sqlite:///{elsewhere / 'coalition.db'}",
        "COALITION_SEAL_DIRECTORY": str(elsewhere),
    }
    env |= {"COALITION_PDF_CACHE_DIRECTORY": str(elsewhere / "pdf-cache"), "COALITION_SQLITE_SYNCHRONOUS": "OFF"}
    flask = [str(python), "-m", "flask", "--app", "coalition:create_app"]

    run([*flask, "db", "upgrade"], cwd=elsewhere, env=env)
    seen = json.loads(run([str(python), "-c", SERVE], cwd=elsewhere, env=env))
    assert Path(seen["coalition"]).is_relative_to(tmp_path / "venv"), "the test must run the installed wheel"
    status, page = seen["login"]
    assert status == 200
    assert "<form" in page and 'name="password"' in page
    assert seen["style"][0] == 200 and seen["style"][1] > 0

    pdf = elsewhere / "statement.pdf"
    run([*flask, "statements", "export", seen["statement"], str(pdf)], cwd=elsewhere, env=env)
    reader = PdfReader(BytesIO(pdf.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Signatories" in text
    assert "Certificate of signatures" in text
