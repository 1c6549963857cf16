"""`make bench-reporting` at a tiny size, so the benchmark cannot rot: real nats-server, real
databases, reporting's own projections, reports and rebuild; the rebuilt figures must equal the
figures of the same events applied directly and the counts known from generation."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest

from deploy.bench.reporting import Options, main, render, run

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_tiny_benchmark_gives_every_figure_and_rebuilds_the_same_figures(
        backend, jetstream, nats_url, postgres_base_url, tmp_path):
    if backend == "postgresql" and postgres_base_url is None:
        pytest.skip("PostgreSQL: set TGPL_TEST_POSTGRES_URL (or run with Docker)")
    options = Options(cases=2000, events=2000, years=2, until=date(2026, 1, 1), months=3,
                      database_url=postgres_base_url if backend == "postgresql" else None)

    result = await asyncio.to_thread(run, options, tmp_path, nats_url=nats_url)

    reports, rebuilt = result["reports"], result["rebuild"]
    assert result["database"] == backend
    assert reports["history"]["cases"] == 2000
    assert reports["totals_check"] == "OK", reports["totals_mismatches"]
    assert reports["latest_month"]["start"] == "2025-12-01" and reports["latest_month"]["totals"]["cases_opened"] > 0
    assert reports["yearly"]["start"] == "2025-01-01" and len(reports["months"]) == 3
    assert rebuilt["publish"]["messages"] == rebuilt["publish"]["stored"] == 2000
    assert rebuilt["publish"]["errors"] == 0 and rebuilt["publish"]["duplicates"] == 0
    assert rebuilt["read_limit"]["messages"] == rebuilt["read_pulling"]["messages"] == 2000
    assert rebuilt["rebuild"]["messages"] == 2000 and rebuilt["rebuild"]["unreadable"] == 0
    assert rebuilt["check"] == "OK", (rebuilt["figures"], rebuilt["totals_mismatches"])
    assert all(check["equal"] for check in rebuilt["figures"]) and rebuilt["figures"][-1]["cases_opened"] > 400
    table = render(result, markdown=True)
    assert f"| rebuild(batch={options.rebuild_batch:,}) into an empty database |" in table
    assert "MISMATCH" not in table


def test_the_command_runs_on_its_own_nats_server_and_writes_the_json(tmp_path, capsys):
    out = tmp_path / "bench.json"

    code = main(["--cases", "300", "--events", "300", "--years", "1", "--until", "2026-01-01", "--months", "2",
                 "--json", str(out), "--quiet"])

    assert code == 0
    printed = capsys.readouterr().out
    assert "monthly report, latest month 2025-12" in printed and "the limit" in printed
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert figures["machine"]["cpus"] and figures["machine"]["nats_server"]
    assert figures["rebuild"]["check"] == "OK" and figures["reports"]["totals_check"] == "OK"
