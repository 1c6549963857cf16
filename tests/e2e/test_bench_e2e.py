"""`make bench` at a size CI affords, so the harness does not rot: its figures are all there and
every notice it sent was counted once; no figure of speed is checked (a benchmark, not a test)."""

import pytest

from deploy.bench.e2e import Options, run
from deploy.bench.e2e_table import render
from deploy.chaos.stack import SERVICES

pytestmark = pytest.mark.e2e


async def test_the_benchmark_counts_every_notice_once_and_reports_every_figure(tmp_path, postgres_base_url):
    options = Options(notices=300, latency_seconds=5, rate=50, timeout=240, database_url=postgres_base_url)
    lines: list[str] = []

    result = await run(options, tmp_path, log=lines.append)

    assert result["ok"], (result["problems"], lines)
    assert result["database"] == ("postgresql" if postgres_base_url else "sqlite")
    limit = result["limit"]
    assert limit["publish"]["messages"] == limit["publish"]["stored"] == 300
    assert [r["messages"] for r in limit["consume"]] == [300, 300]
    assert [r["batch"] for r in limit["consume"]] == [500, 50]
    e2e = result["end_to_end"]
    assert (e2e["publish"]["messages"], e2e["publish"]["errors"], e2e["publish"]["stored"]) == (300, 0, 300)
    check = e2e["check"]
    assert (check["expected"], check["counted"], check["lost"], check["duplicated"]) == (300, 300, 0, 0)
    assert check["cases"] > 100 and check["assigned_once"] == check["cases"] == check["report_assigned"]
    assert e2e["seconds"] >= e2e["received_seconds"] > 0 and e2e["per_second"] > 0
    assert e2e["samples"][-1][1:] == [300, check["cases"], check["cases"]]
    assert e2e["events_in_streams"]["TGPL_INTAKE"] >= 300 + check["cases"]
    assert e2e["events_in_streams"]["TGPL_ASSIGNMENT"] >= check["cases"]
    latency = result["latency"]
    assert latency["sent"] == 250 and latency["check"]["counted"] == 250 and latency["check"]["duplicated"] == 0
    assert latency["measured"] == latency["with_case"] == latency["check"]["cases"] > 0
    assert latency["measured"] + latency["no_case"] == 250 and latency["unassigned"] == 0
    assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    assert result["report_notices"] == 550
    assert set(result["memory"]) == {*SERVICES, "nats-server"}
    assert all(m["peak_mb"] > 10 for m in result["memory"].values())
    assert set(result["cpu"]) == {*SERVICES, "nats-server"}
    assert all(c["seconds"] > 0 for c in result["cpu"].values())
    assert set(result["latency_cpu"]) == {*SERVICES, "nats-server"} and 0 < result["latency_cpu_busy"]
    assert all(c["ms_per_notice"] > 0 for c in result["latency_cpu"].values())
    table = render(result, markdown=True)
    assert "| end to end: every notice counted once, every case assigned once | counted 300/300, lost 0" in table
    assert "| peak RSS intake (after " in table
    assert "CPU per notice during the latency run at 50/s (ms): intake " in table and "busy while sending" in table
