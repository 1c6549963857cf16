"""`make chaos` at the size CI affords: every fault injected into the real processes, and from the
outside nothing lost, nothing counted twice, every poison message dead-lettered, nothing wedged."""

import argparse

import pytest

from deploy.chaos.__main__ import CLUSTER, SINGLE, render, run

pytestmark = pytest.mark.e2e


async def test_every_fault_loses_nothing_and_duplicates_nothing(tmp_path, postgres_base_url):
    options = argparse.Namespace(notices=90, rate=100.0, postgres=postgres_base_url, only=[], timeout=120.0)
    lines: list[str] = []

    result = await run(options, tmp_path, log=lines.append)

    expected = [f.name for f in [*SINGLE, *CLUSTER] if postgres_base_url or not f.needs_postgres]
    rows = result["rows"]
    assert [r["fault"] for r in rows] == expected, lines
    for row in rows:
        assert row["expected"] > 60 and row["cases"] > 30, row
        assert (row["counted"], row["lost"], row["duplicated"]) == (row["expected"], 0, 0), (row, lines)
        assert row["assigned_once"] == row["cases"] and row["recovered_s"] is not None, row
        assert row["problems"] == [], row
    assert [r["poison"] for r in rows if r["poison"]] == ["assignment 3/3, reporting 3/3"]
    assert result["ok"]
    table = render(result, markdown=True)
    assert "| kill -9 intake, start it again | 90 |" in table
