#!/usr/bin/env python
"""`make bench`: run every benchmark in bench/, then rewrite the top of bench/RESULTS.md.

Each benchmark still writes its own `## Section` of RESULTS.md. This runner owns what comes before the first
section: a header (date, machine — cores, RAM, CPU, kernel —, Python, databases, load average before and after)
and a summary table with, per benchmark, its exit status, wall and CPU time, and its figures next to their
targets. Figures come from two places:

- a benchmark may print summary lines, one JSON object each, prefixed `BENCH_SUMMARY `:
      BENCH_SUMMARY {"measure": "verify", "result": "112,949 entries/s", "target": "≥ 200,000/s", "met": false}
  (`met` true / false / null for information);
- otherwise the runner reads its section: every table row that has a Target column, and targets written in the
  prose ("target: …", "Target ≤ …").

    python bench/run_all.py                       # everything (long: the machine is shared, note the load)
    python bench/run_all.py --only ledger_perf    # some benchmarks (names without .py, comma-separated)
    python bench/run_all.py --summary-only        # run nothing: rewrite the header and summary from the sections
    python bench/run_all.py --list
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
TITLE = "# Benchmark results"
SUMMARY_PREFIX = "BENCH_SUMMARY "
SECTION_RE = re.compile(r"^## (?P<title>.+?)\n(?P<body>.*?)(?=^## |\Z)", flags=re.S | re.M)
PROSE_TARGET_RE = re.compile(r"\b[Tt]argets?\b(?: \(issue \d+\))?:?\s*(?P<text>[^):\n]*(?:\n(?!\n)[^):\n]*)*)")


@dataclass
class Run:
    name: str
    exit_code: int | None = None  # None: not run this time
    wall_s: float = 0.0
    cpu_s: float = 0.0
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    figures: list[dict] = field(default_factory=list)


# --- the machine --------------------------------------------------------------------------------------------


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def memory_gb(meminfo: str | None = None) -> float | None:
    match = re.search(r"^MemTotal:\s+(\d+) kB", _read("/proc/meminfo") if meminfo is None else meminfo, re.M)
    return round(int(match.group(1)) / 1024 / 1024, 1) if match else None


def cpu_model(cpuinfo: str | None = None) -> str:
    match = re.search(r"^model name\s*:\s*(.+)$", _read("/proc/cpuinfo") if cpuinfo is None else cpuinfo, re.M)
    return match.group(1).strip() if match else platform.processor() or platform.machine()


def load_average() -> tuple[float, ...]:
    try:
        return tuple(round(x, 2) for x in os.getloadavg())
    except OSError:
        return ()


def databases() -> list[str]:
    """The databases the benchmarks use, with server versions when a server is configured and answers."""
    import sqlite3

    found = [f"SQLite {sqlite3.sqlite_version} (default)"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        found.append(_postgres_version(url))
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        found.append(_redis_version(redis_url))
    return found


def _postgres_version(url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
        return f"PostgreSQL {version} (DATABASE_URL)"
    except Exception as error:
        return f"PostgreSQL (DATABASE_URL; version not read: {type(error).__name__})"


def _redis_version(url: str) -> str:
    try:
        import redis

        return f"Redis {redis.Redis.from_url(url, socket_timeout=3).info('server')['redis_version']} (REDIS_URL)"
    except Exception as error:
        return f"Redis (REDIS_URL; version not read: {type(error).__name__})"


def machine() -> dict:
    return {
        "cores": os.cpu_count(),
        "memory_gb": memory_gb(),
        "cpu": cpu_model(),
        "kernel": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "databases": databases(),
    }


# --- running ------------------------------------------------------------------------------------------------


def benchmarks() -> list[Path]:
    return [p for p in sorted(BENCH.glob("*.py")) if p.name != "run_all.py" and not p.name.startswith("_")]


def parse_summary_line(line: str) -> dict | None:
    """The figure of a `BENCH_SUMMARY {json}` line, or None for any other line (or malformed JSON)."""
    if not line.startswith(SUMMARY_PREFIX):
        return None
    try:
        figure = json.loads(line[len(SUMMARY_PREFIX) :])
    except ValueError:
        return None
    if not isinstance(figure, dict) or "measure" not in figure:
        return None
    return {key: figure.get(key) for key in ("measure", "result", "target", "met")}


def run_one(script: Path, extra_args: list[str], timeout: float | None) -> Run:
    run = Run(script.stem, load_before=load_average())
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, str(script), *extra_args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, bufsize=1,
    )  # fmt: skip
    try:
        for line in process.stdout:
            print(line, end="", flush=True)
            figure = parse_summary_line(line.rstrip("\n"))
            if figure is not None:
                run.figures.append(figure)
            if timeout and time.monotonic() - started > timeout:
                process.kill()
                print(f"--- {script.name}: killed after {timeout:.0f}s", flush=True)
        run.exit_code = process.wait()
    except KeyboardInterrupt:
        process.kill()
        raise
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run.wall_s = time.monotonic() - started
    run.cpu_s = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run.load_after = load_average()
    return run


# --- RESULTS.md ---------------------------------------------------------------------------------------------


def sections(text: str) -> dict[str, str]:
    return {m.group("title").strip(): m.group("body") for m in SECTION_RE.finditer(text)}


def section_of(script: str, all_sections: dict[str, str]) -> str | None:
    """The section a benchmark writes: the one naming `bench/<script>.py` (or `bench/<script>`)."""
    for title, body in all_sections.items():
        if f"bench/{script}.py" in body or f"bench/{script} " in body:
            return title
    return None


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split("|")]


def table_figures(body: str) -> list[dict]:
    """Rows of the section's tables that have a Target column: measure (first column), result, target."""
    figures, lines = [], body.splitlines()
    for index, line in enumerate(lines):
        if not (line.startswith("|") and index + 1 < len(lines) and re.match(r"^\|[\s:|-]+\|$", lines[index + 1])):
            continue
        header = [cell.lower() for cell in _cells(line)]
        if "target" not in header[1:]:  # a first-column "Target" names a system (Odoo RPC), not a goal
            continue
        target_at = header.index("target")
        result_at = header.index("result") if "result" in header else 1
        for row in lines[index + 2 :]:
            if not row.startswith("|"):
                break
            cells = _cells(row)
            if len(cells) <= max(target_at, result_at) or not cells[target_at] or cells[target_at] == "(info)":
                continue
            # Several result columns (e.g. the core flow's four ways of running): each, named by its header.
            several = "result" not in header and target_at > 2
            named = zip(_cells(line)[1:target_at], cells[1:target_at], strict=False)
            result = " · ".join(f"{name.split(':')[0]}: {value}" for name, value in named if value) if several \
                else cells[result_at]  # fmt: skip
            figures.append({"measure": cells[0], "result": result, "target": cells[target_at], "met": None})
    return figures


def prose_targets(body: str) -> list[str]:
    """Targets stated in the text of a section (outside tables)."""
    prose = "\n".join(line for line in body.splitlines() if not line.startswith("|"))
    found = []
    for match in PROSE_TARGET_RE.finditer(prose):
        text = " ".join(match.group("text").split()).rstrip(".;,")
        if text and text not in found:
            found.append(text[:200])
    return found


def _escape(value) -> str:
    return str(value if value is not None else "").replace("|", "\\|").replace("\n", " ")


def _load(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:.2f}" for v in values) if values else "n/a"


def header_block(info: dict, started: dt.datetime, load_start: tuple, load_end: tuple, command: str) -> str:
    memory = f"{info['memory_gb']} GB RAM" if info["memory_gb"] else "RAM unknown"
    return "\n".join([
        f"Generated by `{command}` on {started:%Y-%m-%d %H:%M} UTC. Each section below is written by its own benchmark"
        " (its date and parameters are in the section); this header and the summary are rewritten on every run.",
        "",
        f"- Machine: {info['cores']} cores ({info['cpu']}), {memory}, {info['kernel']}",
        f"- Python {info['python']}",
        f"- Databases configured for this run: {'; '.join(info['databases'])}",
        f"- Load average (1, 5, 15 min): {_load(load_start)} at the start, {_load(load_end)} at the end — the "
        "machine may be shared: wall-clock figures are lower bounds; CPU times are the steadier figures.",
    ])  # fmt: skip


def summary_table(runs: list[Run], all_sections: dict[str, str]) -> str:
    rows = ["| Benchmark | Section | This run | Measure | Result | Target | Met |", "|---|---|---|---|---|---|---|"]
    summarized: set[str] = set()
    for run in runs:
        title = section_of(run.name, all_sections)
        body = all_sections.get(title, "") if title and title not in summarized else ""
        if title in summarized and not run.figures:
            body = ""
            run.figures = [{"measure": f"(figures above, with the other benchmarks of {title})", "result": "",
                            "target": "", "met": None}]  # fmt: skip
        summarized.add(title)
        if run.exit_code is None:
            status = "not run"
        else:
            status = (
                f"exit {run.exit_code}, {run.wall_s:.0f} s wall, {run.cpu_s:.1f} s CPU, load {_load(run.load_after)}"
            )
        figures = run.figures or table_figures(body)
        if not figures:
            targets = prose_targets(body)
            figures = [{"measure": "(see section)", "result": "", "target": "; ".join(targets) or "—", "met": None}]
        for index, figure in enumerate(figures):
            met = {True: "yes", False: "**no**"}.get(figure.get("met"), "")
            first = index == 0
            rows.append("| " + " | ".join(_escape(v) for v in (
                run.name if first else "", title or "—" if first else "", status if first else "",
                figure.get("measure"), figure.get("result"), figure.get("target"), met,
            )) + " |")  # fmt: skip
    return "\n".join(rows)


def rewrite(text: str, header: str, summary: str) -> str:
    """RESULTS.md with everything before the first `## ` section replaced; sections are kept byte for byte."""
    first = re.search(r"^## ", text, flags=re.M)
    rest = text[first.start() :] if first else ""
    top = f"{TITLE}\n\n{header}\n\n### Summary\n\n{summary}\n"
    return top + ("\n" + rest if rest else "")


# --- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="benchmarks to run (names without .py, comma-separated)")
    parser.add_argument("--skip", default="", help="benchmarks not to run")
    parser.add_argument("--summary-only", action="store_true", help="run nothing; rewrite header and summary")
    parser.add_argument("--timeout", type=float, default=0, help="seconds per benchmark (0: none)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the RESULTS.md to rewrite")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--bench-args", default="", help="extra arguments passed to every benchmark run")
    args = parser.parse_args(argv)

    scripts = benchmarks()
    if args.list:
        print("\n".join(s.stem for s in scripts))
        return 0
    only = {n.strip() for n in args.only.split(",") if n.strip()}
    skip = {n.strip() for n in args.skip.split(",") if n.strip()}
    unknown = (only | skip) - {s.stem for s in scripts}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; see --list")
    selected = [s for s in scripts if (not only or s.stem in only) and s.stem not in skip]

    started, load_start = dt.datetime.now(dt.UTC), load_average()
    runs, failures = [], 0
    for script in scripts:
        if args.summary_only or script not in selected:
            runs.append(Run(script.stem))
            continue
        print(f"\n=== {script.name} (load {_load(load_average())}) ===", flush=True)
        run = run_one(script, args.bench_args.split(), args.timeout or None)
        print(f"--- {script.name}: exit {run.exit_code} in {run.wall_s:.0f}s ({run.cpu_s:.1f}s CPU)", flush=True)
        failures += run.exit_code != 0
        runs.append(run)

    text = args.results.read_text() if args.results.exists() else f"{TITLE}\n"
    command = "python bench/run_all.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    header = header_block(machine(), started, load_start, load_average(), command.strip())
    args.results.write_text(rewrite(text, header, summary_table(runs, sections(text))))
    print(f"\n{failures} benchmark(s) failed; header and summary rewritten in {args.results}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
