"""Shared by the reporting benchmarks: rewrite their rows in the "Reporting" section of bench/RESULTS.md."""

import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = """## Reporting

Targets (issue 9): dashboard p95 ≤ 200 ms at 1,000,000 ledger entries; publication ≥ 20,000 lines/s into SQLite
and PostgreSQL; reconciliation of a 100,000-line period ≤ 60 s including reading Odoo in pages (sandbox).
Each benchmark rewrites its own block below.
"""


def write_rows(block: str, when: str, command: str, rows: list[str]) -> None:
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if "## Reporting\n" not in text:
        text = text.rstrip("\n") + "\n\n" + HEADER
    section = re.search(r"## Reporting\n.*?(?=\n## |\Z)", text, flags=re.S).group(0)
    body = (f"<!-- {block} -->\nMeasured {when} with `{command}`:\n\n| Measure | Size | Result | Target |\n"
            f"|---|---|---|---|\n" + "\n".join(rows) + f"\n<!-- /{block} -->\n")  # fmt: skip
    pattern = re.compile(rf"<!-- {block} -->.*?<!-- /{block} -->\n", flags=re.S)
    section = pattern.sub(lambda _m: body, section) if pattern.search(section) else section.rstrip("\n") + "\n\n" + body
    text = re.sub(r"## Reporting\n.*?(?=\n## |\Z)", lambda _m: section.rstrip("\n") + "\n", text, flags=re.S)
    RESULTS.write_text(text)
