"""Who used the machine's CPU during a benchmark's measured windows: the Odoo sandbox, PostgreSQL's server
processes, and everything else (the console's processes, Redis, the benchmark's own sender).

On a machine of few cores the console, its database and the sandbox share them: the end to end can never be
shorter than the CPU they all spent divided by the cores, whatever the console's design — this says how close
a run came to that bound and who spent what.
"""

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _machine() -> tuple[float, float]:
    """(busy, steal) CPU seconds of the whole machine since boot (/proc/stat's first line)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq) / TICK, steal / TICK


def _process(pid: int | str) -> float:
    """CPU seconds of a process and its reaped children (utime, stime, cutime, cstime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICK


def _postgres() -> float:
    """PostgreSQL's server processes: the postmaster's reaped children hold the CPU of connections closed meanwhile."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += _process(entry.name)
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    return total


class CpuShare:
    """Accumulates over `with share:` windows."""

    def __init__(self, sandbox_pid: int):
        self.sandbox_pid = sandbox_pid
        self.totals = {"wall": 0.0, "busy": 0.0, "steal": 0.0, "sandbox": 0.0, "postgres": 0.0}

    def _snapshot(self) -> dict:
        busy, steal = _machine()
        return {
            "wall": time.perf_counter(),
            "busy": busy,
            "steal": steal,
            "sandbox": _process(self.sandbox_pid),
            "postgres": _postgres(),
        }

    def __enter__(self):
        self._start = self._snapshot()
        return self

    def __exit__(self, *exc):
        end = self._snapshot()
        for key, value in end.items():
            self.totals[key] += value - self._start[key]

    def figures(self) -> dict:
        return {**self.totals, "cores": os.cpu_count() or 1}


def describe(share: dict, floor_s: float) -> str:
    """One table cell: the busy CPU, who spent it, and the bound it sets on the end to end."""
    cores, busy = share["cores"], share["busy"]
    rest = busy - share["sandbox"] - share["postgres"]
    text = (
        f"{busy:.0f} s busy of {cores * share['wall']:.0f} s ({busy / (cores * share['wall']):.0%}): sandbox "
        f"{share['sandbox']:.0f} s, PostgreSQL {share['postgres']:.0f} s, console and the rest {rest:.0f} s"
    )
    if share["steal"] >= 1:
        text += f"; stolen by the host {share['steal']:.0f} s"
    return text + f" — busy / {cores} cores = **{busy / cores / floor_s:.2f}× the floor**"
