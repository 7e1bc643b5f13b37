#!/usr/bin/env python
"""`make bench`: run every benchmark in bench/ (each prints its figures and updates its section of RESULTS.md)."""

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main() -> int:
    failures = 0
    for script in sorted(BENCH.glob("*.py")):
        if script.name in ("run_all.py", "__init__.py") or script.name.startswith("_"):
            continue
        print(f"\n=== {script.name} ===", flush=True)
        started = time.monotonic()
        rc = subprocess.call([sys.executable, str(script)], cwd=BENCH.parent)
        print(f"--- {script.name}: exit {rc} in {time.monotonic() - started:.0f}s", flush=True)
        failures += rc != 0
    print(f"\n{failures} benchmark(s) failed; figures in bench/RESULTS.md")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
