"""The benchmark still runs end to end (tiny sizes; nothing here is timed or judged on speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_URL

ROOT = Path(__file__).parent.parent.parent


@pytest.mark.slow
def test_store_benchmark_reports_every_contender_and_target(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "store", "--quick", "--json", "--tmp-dir", str(tmp_path)]
    if POSTGRES_URL:
        command += ["--postgres-url", POSTGRES_URL]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    keys = {result["key"] for result in report["results"]}
    assert {"sqlite.raw.single", "sqlite.ours.single", "sqlite.eventsourcing.single"} <= keys
    assert {"sqlite.raw.writers", "sqlite.ours.writers", "sqlite.group.writers"} <= keys
    assert any("group commit ≥ 2× raw" in target["name"] for target in report["targets"])
    assert any(note.startswith("Group commit recorded") for note in report["notes"])
    assert all(result["events_per_second"] > 0 for result in report["results"])
    assert report["rebuild"]["events"] == report["rebuild"]["checkpoint"]
    assert {target["result"] for target in report["targets"]} <= {"PASS", "MISS"}
    assert list(tmp_path.iterdir()) == [], "the benchmark left files behind"


@pytest.mark.slow
def test_pdf_benchmark_reports_its_figures_and_targets(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "pdf", "--quick", "--repeat", "1", "--json", "--tmp-dir", str(tmp_path)]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["signatories"] == 20 and report["large"]["signatories"] == 200
    assert report["pages"] >= 2 and report["large"]["pages"] > report["pages"]
    assert all(report[key] > 0 for key in ("first_seconds", "cached_seconds", "bare_seconds", "sealed_seconds"))
    assert [t["result"] for t in report["targets"]] and {t["result"] for t in report["targets"]} <= {"PASS", "MISS"}
    assert list(tmp_path.iterdir()) == [], "the benchmark left files behind"


@pytest.mark.slow
def test_http_benchmark_serves_the_load_and_finds_every_acknowledged_signature_once(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "bench",
        "http",
        "--quick",
        "--clients",
        "16",
        "--json",
        "--tmp-dir",
        str(tmp_path),
    ]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    [result] = report["results"]
    assert result["trivial"]["endpoints"]["healthz"]["requests"] > 0
    sign = result["mix"]["endpoints"]["sign"]
    assert sign["requests"] > 0 and sign["errors"] == 0, sign
    assert {"standing", "statement", "audit"} <= set(result["mix"]["endpoints"])
    log = result["log"]
    assert log["acknowledged"] == sign["statuses"].get("201", 0) > 0
    assert log["acknowledged_not_once"] == 0 and log["twice"] == 0 and log["chain_ok"]
    assert {target["result"] for target in report["targets"]} <= {"PASS", "MISS"}
    assert list(tmp_path.iterdir()) == [], "the benchmark left files behind"


@pytest.mark.slow
def test_notify_benchmark_queues_and_delivers_every_message(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "notify", "--quick", "--json", "--tmp-dir", str(tmp_path)]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["queued"] == report["organisations"] + 1  # every member's mandate holder, and the facilitator
    assert report["sent"] == report["queued"]
    assert report["signing_median_ms"]["without"] > 0 and report["signing_median_ms"]["with"] > 0
    assert [t["result"] for t in report["targets"]] and {t["result"] for t in report["targets"]} <= {"PASS", "MISS"}
    assert list(tmp_path.iterdir()) == [], "the benchmark left files behind"


@pytest.mark.slow
def test_http_benchmark_runs_an_open_loop_on_its_schedule(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "http", "--quick", "--rate", "20", "--read-rate", "5", "--json"]

    finished = subprocess.run([*command, "--tmp-dir", str(tmp_path)], cwd=ROOT, capture_output=True, text=True)

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    [result] = report["results"]
    assert "mix" not in result and report["settings"]["rate"] == 20
    phase = result["open"]
    assert phase["endpoints"]["sign"]["requests"] == 40  # 20 per second for the 2 s of --quick, each sent
    assert sum(phase["endpoints"][name]["requests"] for name in ("standing", "statement", "audit")) == 10
    assert all("p999_ms" in endpoint for endpoint in phase["endpoints"].values())
    assert phase["send_lag_p99_ms"] is not None and "CPUs:" in finished.stderr
    assert result["log"]["acknowledged"] == phase["endpoints"]["sign"]["statuses"].get("201", 0)
    assert result["log"]["acknowledged_not_once"] == 0 and result["log"]["chain_ok"]
    assert any(t["name"].endswith("open loop sign p99 ≤ 100 ms") for t in report["targets"])


@pytest.mark.slow
def test_scale_benchmark_reports_latency_sizes_and_catch_up_and_drops_its_schema() -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL is not configured: set COALITION_TEST_POSTGRES_URL")
    command = [sys.executable, "-m", "bench", "scale", "--quick", "--json", "--postgres-url", POSTGRES_URL]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["settings"]["events"] == 20_000
    for series in ("append_empty", "append_full", "append_full_vacuumed", "append_empty_after"):
        assert report[series]["appends"] == 50 and 0 < report[series]["p50_ms"] <= report[series]["p99_ms"]
    assert report["append_full"]["log_events_before"] >= 20_000 and report["append_empty"]["log_events_before"] == 0
    assert report["verify"] == {"ok": True, "events": report["sizes"]["events"], "reason": None}
    assert report["catch_up"]["to_position"] == report["sizes"]["events"]
    assert report["read_stream"]["streams"] > 0 and report["read_stream"]["events_per_stream_mean"] > 0
    sizes = report["sizes"]
    assert set(sizes["indexes"]) == {"events_pkey", "uq_events_stream_version"}
    assert sizes["total_bytes"] >= sizes["heap_bytes"] + sizes["indexes_bytes"] > 0
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            found = connection.execute(
                sa.text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"),
                {"s": report["schema"]},
            ).scalar()
    finally:
        admin.dispose()
    assert found == 0, "the benchmark left its schema behind"


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_reads_benchmark_times_every_read_as_facilitator_and_member(tmp_path: Path, backend: str) -> None:
    command = [sys.executable, "-m", "bench", "reads", "--quick", "--json", "--tmp-dir", str(tmp_path)]
    if backend == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL is not configured: set COALITION_TEST_POSTGRES_URL")
        command += ["--postgres-url", POSTGRES_URL]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    assert report["members"] == report["signatures"] == report["commitments"] == 200 and report["tasks"] == 67
    rows = report["rows"]
    assert rows["healthz"]["result"] == "baseline"
    reads = ("page home", "page statement", "page statement just opened", "page members", "page join", "page work")
    reads += ("page commitment", "page task")
    reads += ("api standing", "api statement", "api coalition page")
    for read in (*reads, "api signatures"):
        assert {f"{read}/facilitator", f"{read}/member"} <= set(rows)
    assert all(row["sql_statements"] > 0 for name, row in rows.items() if name != "healthz")
    assert {
        "api events/facilitator",
        "api coalition whole/facilitator",
        "page audit/facilitator",
        "page as-of/facilitator",
        "page member history/facilitator",
        "page directory/anonymous",
    } <= set(rows)
    assert report["backend"] == backend and f"{backend}: 200 members" in finished.stderr
    assert all(0 < row["p50_ms"] <= row["p99_ms"] for row in rows.values())
    assert {row["result"] for name, row in rows.items() if name != "healthz"} <= {"PASS", "MISS"}
    assert "target p99 ≤ 30 ms" in finished.stderr
    assert list(tmp_path.iterdir()) == [], "the benchmark left files behind"


@pytest.mark.slow
def test_sign_benchmark_reports_cpu_and_statements_per_signature_beside_healthz(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bench", "sign", "--quick", "--profile", "5", "--json", "--tmp-dir", str(tmp_path)]

    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert finished.returncode == 0, finished.stderr
    (sqlite,) = json.loads(finished.stdout)
    rows = sqlite["rows"]
    assert rows["healthz"]["sql"] == 0 and rows["sign"]["sql"] > 0
    assert 0 < rows["healthz"]["cpu_ms"] and 0 < rows["sign"]["cpu_ms"]
    assert rows["sign"]["ratio_to_healthz"] > 0
    assert "cProfile of the last 5 signatures" in finished.stderr
    assert list(tmp_path.iterdir()) == [], "the benchmark left files behind"
