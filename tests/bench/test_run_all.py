"""bench/run_all.py: runs each benchmark, collects its BENCH_SUMMARY lines, and rewrites the header and summary
of RESULTS.md (date, machine, databases, load, figures next to targets) without touching the sections."""

import importlib.util
import sys
import textwrap
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "bench" / "run_all.py"
RESULTS = """# Benchmark results

Old preamble that the runner replaces.

## Ledger

`python bench/ledger_perf.py` — measured earlier.

| measure | result | target | queries/page |
|---|---|---|---|
| verify | **112,949 entries/s** | ≥ 200,000/s | |
| append, single calls | 540 entries/s | (info) | |

## Odoo RPC

Measured with `python bench/odoo_rpc.py`.

| Target | Protocol | Calls/s |
|---|---|---:|
| sandbox 19 | xmlrpc | 1158 |

## Mappings

With `python bench/mapping_engine.py`. Target ≤ 50 ms per 1,000-line batch: **meets** it.
"""


@pytest.fixture
def run_all(monkeypatch):
    spec = importlib.util.spec_from_file_location("run_all_under_test", RUNNER)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_summary_lines_are_parsed_and_anything_else_ignored(run_all):
    line = 'BENCH_SUMMARY {"measure": "verify", "result": "1/s", "target": ">= 2/s", "met": false, "x": 1}'
    assert run_all.parse_summary_line(line) == {"measure": "verify", "result": "1/s", "target": ">= 2/s", "met": False}
    assert run_all.parse_summary_line("BENCH_SUMMARY {not json") is None
    assert run_all.parse_summary_line('BENCH_SUMMARY ["no", "measure"]') is None
    assert run_all.parse_summary_line("verify: 1/s") is None


def test_figures_and_targets_are_read_from_the_sections(run_all):
    sections = run_all.sections(RESULTS)
    assert list(sections) == ["Ledger", "Odoo RPC", "Mappings"]
    assert run_all.table_figures(sections["Ledger"]) == [
        {"measure": "verify", "result": "**112,949 entries/s**", "target": "≥ 200,000/s", "met": None}
    ]
    assert run_all.table_figures(sections["Odoo RPC"]) == []  # "Target" there names a system, not a goal
    assert run_all.prose_targets(sections["Mappings"]) == ["≤ 50 ms per 1,000-line batch"]
    assert run_all.section_of("odoo_rpc", sections) == "Odoo RPC" and run_all.section_of("nope", sections) is None


def test_rewrite_replaces_only_what_comes_before_the_first_section(run_all):
    text = run_all.rewrite(RESULTS, "HEADER", "SUMMARY")
    assert text.startswith("# Benchmark results\n\nHEADER\n\n### Summary\n\nSUMMARY\n\n## Ledger\n")
    assert "Old preamble" not in text and text[text.index("## Ledger") :] == RESULTS[RESULTS.index("## Ledger") :]
    assert run_all.rewrite(text, "H2", "S2").count("### Summary") == 1  # idempotent: one header, one summary


def test_machine_facts_come_from_proc(run_all):
    assert run_all.memory_gb("MemTotal:       24576000 kB\nMemFree: 1 kB\n") == 23.4
    assert run_all.cpu_model("processor : 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    info = run_all.machine()
    assert info["cores"] >= 1 and info["python"] and any(db.startswith("SQLite") for db in info["databases"])


def test_a_run_collects_figures_exit_codes_and_rewrites_results(run_all, tmp_path, monkeypatch):
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "fast_bench.py").write_text(
        textwrap.dedent("""
        import pathlib, sys
        print("warming up")
        print('BENCH_SUMMARY {"measure": "things/s", "result": "42", "target": ">= 40", "met": true}')
        results = pathlib.Path(sys.argv[-1])
        results.write_text(results.read_text() + "\\n## Fast\\n\\n`python bench/fast_bench.py`: 42 things/s.\\n")
    """)
    )
    (bench / "broken_bench.py").write_text("raise SystemExit(3)\n")
    (bench / "_helper.py").write_text("raise SystemExit('helpers are not benchmarks')\n")
    results = tmp_path / "RESULTS.md"
    results.write_text(RESULTS)
    monkeypatch.setattr(run_all, "BENCH", bench)
    assert [s.stem for s in run_all.benchmarks()] == ["broken_bench", "fast_bench"]
    code = run_all.main(["--results", str(results), "--bench-args", str(results)])
    text = results.read_text()
    assert code == 1  # one benchmark failed
    header, rest = text.split("## Ledger", 1)
    assert "- Machine:" in header and "cores" in header and "GB RAM" in header and "Load average" in header
    assert "- Databases configured for this run: SQLite" in header and "- Python 3." in header
    assert "| fast_bench | Fast | exit 0," in header and "| things/s | 42 | >= 40 | yes |" in header
    assert "| broken_bench | — | exit 3," in header
    assert "## Fast" in rest and "Old preamble" not in text


def test_only_runs_the_named_benchmarks_and_refuses_unknown_names(run_all, tmp_path, monkeypatch, capsys):
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "a_bench.py").write_text("print('ran a')\n")
    (bench / "b_bench.py").write_text("print('ran b')\n")
    results = tmp_path / "RESULTS.md"
    monkeypatch.setattr(run_all, "BENCH", bench)
    assert run_all.main(["--only", "b_bench", "--results", str(results)]) == 0
    out = capsys.readouterr().out
    assert "ran b" in out and "ran a" not in out
    assert "| a_bench | — | not run |" in results.read_text()
    with pytest.raises(SystemExit):
        run_all.main(["--only", "nope", "--results", str(results)])


def test_a_table_with_several_result_columns_reports_each_named_by_its_header(run_all):
    body = """| Measure | SQLite, one worker: intake, then the run | SQLite, live | Target |
|---|---|---|---|
| End to end / floor | **1.48×** | **0.95×** | ≤ 1.10× |
| Real Odoo 11 | 1.02× | | ≤ 1.10× |
"""
    assert run_all.table_figures(body) == [
        {"measure": "End to end / floor", "result": "SQLite, one worker: **1.48×** · SQLite, live: **0.95×**",
         "target": "≤ 1.10×", "met": None},
        {"measure": "Real Odoo 11", "result": "SQLite, one worker: 1.02×", "target": "≤ 1.10×", "met": None},
    ]  # fmt: skip
