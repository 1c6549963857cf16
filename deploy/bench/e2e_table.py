"""The table of `deploy.bench.e2e`: each figure beside its target (issue 8), plain or Markdown."""

from __future__ import annotations

from deploy.bench.reporting import render_table
from deploy.chaos.stack import SERVICES

THROUGHPUT_TARGET = 2000.0  # notices/s, sustained over 100,000 notices
THROUGHPUT_TARGET_NOTICES = 100_000
P99_TARGET_MS = 100.0  # at 200 notices/s
RSS_TARGET_MB = 200.0  # per service, after 1,000,000 cases


def _share(part: float, whole: float) -> str:
    return f"{part / whole:.1%}" if whole else "?"


def _ms(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def rows(result: dict) -> list[list[str]]:
    """The table: what, figure, target, verdict."""
    limit, e2e = result["limit"], result["end_to_end"]
    pub = limit["publish"]
    out = [[f"limit: raw JetStream publish (publish_async, {pub['in_flight']:,} in flight)",
            f"{pub['per_second']:,} msg/s ({pub['messages']:,} in {pub['seconds']:.1f} s)", "", ""]]
    for run in limit["consume"]:
        out.append([f"limit: raw pull-consume, fetch({run['batch']:,}) + ack each",
                    f"{run['per_second']:,} msg/s ({run['messages']:,} in {run['seconds']:.1f} s)", "", ""])
    epub = e2e["publish"]
    out.append([f"end to end: publish {e2e['notices']:,} notices, services consuming",
                f"{epub['per_second']:,} msg/s ({epub['seconds']:.1f} s)", "", ""])
    check = e2e["check"]
    if e2e["per_second"]:
        ratios = ", ".join(f"{_share(e2e['per_second'], r['per_second'])} of consume({r['batch']})"
                           for r in limit["consume"])
        figure = (f"{e2e['per_second']:,} notices/s ({e2e['seconds']:.1f} s; "
                  f"{_share(e2e['per_second'], pub['per_second'])} of raw publish, {ratios})")
    else:
        figure = "never finished"
    scale = "" if e2e["notices"] >= THROUGHPUT_TARGET_NOTICES else f" (target over {THROUGHPUT_TARGET_NOTICES:,})"
    out.append([f"end to end: {e2e['notices']:,} notices received, {check['cases']:,} cases opened and assigned"
                f" (report){scale}", figure, f"≥ {THROUGHPUT_TARGET:,.0f}/s",
                _met((e2e["per_second"] or 0) >= THROUGHPUT_TARGET)])
    out.append(_once_row("end to end", check))
    if lat := result.get("latency"):
        out.append([f"latency notice → case assigned at {lat['rate']:g}/s for {lat['seconds']:g} s "
                    f"({lat['measured']:,} cases; {lat['no_case']:,} notices opened none)",
                    f"p50 {_ms(lat['p50_ms'])} / p95 {_ms(lat['p95_ms'])} / p99 {_ms(lat['p99_ms'])} ms "
                    f"(max {_ms(lat['max_ms'])})",
                    f"p99 ≤ {P99_TARGET_MS:g} ms", _met(lat["p99_ms"] is not None and lat["p99_ms"] <= P99_TARGET_MS)])
        hops = lat["hops"]
        out.append(["  of which sent → CaseOpened seen (intake) / CaseOpened → CaseAssigned seen (assignment)",
                    f"p50 {_ms(hops['intake']['p50_ms'])} / {_ms(hops['assignment']['p50_ms'])}, "
                    f"p99 {_ms(hops['intake']['p99_ms'])} / {_ms(hops['assignment']['p99_ms'])} ms", "", ""])
        out.append(_once_row("latency run", lat["check"]))
        if cpu := result.get("latency_cpu"):
            out.append(_cpu_row(f"during the latency run at {lat['rate']:g}/s", cpu,
                                f"; machine {result['latency_cpu_busy']:.0%} busy while sending"))
    if cpu := result.get("cpu"):
        out.append(_cpu_row("during end to end", cpu))
    cases = result["memory_after_cases"]
    for name, memory in result["memory"].items():
        peak = memory["peak_mb"] if memory else None
        service = name in SERVICES
        out.append([f"peak RSS {name} (after {cases:,} cases)", "gone" if peak is None else f"{peak:,.0f} MB",
                    f"≤ {RSS_TARGET_MB:g} MB" if service else "",
                    _met(peak is not None and peak <= RSS_TARGET_MB) if service else ""])
    return out


def _cpu_row(when: str, cpu: dict, note: str = "") -> list[str]:
    used = [(name, c) for name, c in cpu.items() if c]
    return [f"  CPU per notice {when} (ms): " + ", ".join(f"{name} {c['ms_per_notice']:.2f}" for name, c in used),
            f"{sum(c['ms_per_notice'] for _, c in used):.2f} ms in all{note}", "", ""]


def _once_row(label: str, check: dict) -> list[str]:
    ok = check["lost"] == 0 and check["duplicated"] == 0 and not check["problems"]
    return [f"{label}: every notice counted once, every case assigned once",
            f"counted {check['counted']:,}/{check['expected']:,}, lost {check['lost']}, duplicated "
            f"{check['duplicated']}, assigned once {check['assigned_once']:,}/{check['cases']:,}", "OK", _met(ok)]


def render(result: dict, markdown: bool) -> str:
    m = result["machine"]
    database = f"SQLite {m['sqlite']}" if result["database"] == "sqlite" else result["database"]
    title = (f"tgpl end to end: {database}, nats-server {m['nats_server']}, Python {m['python']}, "
             f"{m['cpus']} CPUs, {m['ram_gib']} GiB; seed {result['options']['seed']}")
    e2e = result["end_to_end"]
    events = e2e["events_in_streams"]
    notes = [f"{result['seconds']:.0f} s in all; load average {m['load_average']} at the start, "
             f"{m['load_average_end']} at the end (other work on the machine counts).",
             "nats-server runs tgpl's configuration (JetStream `sync_interval: always`: each stored message is "
             "fsynced). The limit runs on a fresh server with no service; end to end, the clock runs from the first "
             "publish until reporting's figures count every notice and every case intake opened as assigned "
             f"(the consumers' backlogs watched every {result['options']['poll_s']:g} s, the figures asked every "
             f"{result['options']['figures_s']:g} s and whenever no consumer has a backlog); the figures first "
             f"showed every notice received at {e2e['received_seconds']} s.",
             "Events in the streams after part 2: " + ", ".join(f"{k} {v:,}" for k, v in events.items())
             + f" ({sum(events.values()) / max(e2e['notices'], 1):.1f} per notice).",
             "Latency: sent = the agency's first publish of the notice; assigned = arrival of the case's first "
             "CaseAssigned at a core NATS subscriber in this process. Peak RSS is VmHWM at the end; the "
             f"RSS target is per service after 1,000,000 cases. The ad hoc report counts "
             f"{result['report_notices']:,} notices."]
    drained = sorted(((s, d) for d, s in e2e["drained_s"].items() if s is not None), reverse=True)
    left = e2e["backlogs"][-1][1] if e2e["backlogs"] else {}
    if drained or left:
        notes.append("Each consumer's backlog last emptied at (s after the first publish; the earliest stage to "
                     "finish late bounds the run): " + ", ".join(f"{d} {s:.0f}" for s, d in drained)
                     + "".join(f", {d} still {n:,} at the last look" for d, n in left.items()
                               if e2e["drained_s"].get(d) is None) + ".")
    if (lat := result.get("latency")) and e2e["per_second"] and e2e["per_second"] < lat["rate"]:
        notes.append(f"The steady rate ({lat['rate']:g}/s) is above the end-to-end throughput "
                     f"({e2e['per_second']:,}/s): a backlog grows during the latency run, and its latency is mostly "
                     "time spent queued.")
    notes += [f"PROBLEM: {p}" for p in result["problems"]]
    for service, profile in e2e["profiles"].items():
        if "error" in profile:
            notes.append(f"profile {service}: {profile['error']}")
            continue
        top = "; ".join(f"{frame} {share:.0%}" for frame, share in profile["self"][:6])
        notes.append(f"profile {service} ({profile['samples']:,} samples, {profile['file']}), self time: {top}")
    bullet = "- " if markdown else "  "
    return "\n".join([title, "", render_table(["what", "figure", "target", "result"], rows(result), markdown), "",
                      *(bullet + n for n in notes)])
