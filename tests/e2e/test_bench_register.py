"""`make bench-register` at a size CI affords, so the harness does not rot: it fills the register, times
every filter three ways against a real intake process and reads its memory; the counts must agree and
add up. No figure of speed is checked (a benchmark, not a test)."""

import pytest

from deploy.bench.register_page import Options, render, run

pytestmark = pytest.mark.e2e


async def test_the_register_benchmark_fills_counts_and_times_every_filter(tmp_path, postgres_base_url):
    options = Options(cases=1500, requests=2, database_url=postgres_base_url)

    result = await run(options, tmp_path, log=lambda _line: None)

    assert result["ok"], result["problems"]
    assert result["database"] == ("postgresql" if postgres_base_url else "sqlite")
    fill = result["fill"]
    assert fill["cases"] == fill["rows"]["cases"] == 1500
    tally = fill["tally"]
    assert sum(n for k, n in tally.items() if k.startswith("status:")) == 1500
    assert sum(n for k, n in tally.items() if k.startswith("channel:")) == 1500
    assert fill["rows"]["notices"] == tally["channel:agency_notice"] + tally["notices_without_case"]
    assert fill["rows"]["case_performers"] >= 1500 - tally.get("status:open", 0)
    assert sum(fill["per_year"].values()) == 1500 and len(fill["per_year"]) >= 6

    by_label = {r["label"].split(" (")[0]: r for r in result["filters"]}
    assert len(by_label) == len(result["filters"]) == 14
    for r in result["filters"]:
        assert r["page"]["requests"] == r["api"]["requests"] == 2
        for way in ("query", "page", "api"):
            assert 0 < r[way]["p50_ms"] <= r[way]["p95_ms"], (r["label"], way)
        assert r["api"]["total"] == r["query"]["total"] and r["query"]["total_exact"]  # all under the cap
    first = by_label["first page"]
    assert first["query"]["total"] == 1500 and first["page"]["said"] == "1.500 vụ việc"
    assert by_label["register number"]["query"]["total"] == 1
    named = [by_label[k]["query"]["total"] for k in ("name with diacritics", "name without diacritics")]
    assert named[0] == named[1] >= 1
    assert by_label["officer's name search"]["query"]["total"] >= 1
    assert by_label["status + field + dates"]["query"]["total"] <= by_label["field"]["query"]["total"]
    assert result["memory"]["peak_mb"] >= result["memory"]["rss_mb"] > 10

    table = render(result, markdown=True)
    assert "| first page: 1,500 cases | page p50 " in table and "| intake RSS after every request" in table
