"""The task worker for `make run` (Procfile.dev): `manage.py qcluster`, stopped cleanly by honcho.

honcho stops a process by sending SIGTERM to its whole process group. django-q2's cluster must get it in its
main process only: its sentinel child dies at once on SIGTERM, possibly holding the lock of the stop event the
main process then waits on, and the cluster hung until honcho's SIGKILL 5 s later. Here the cluster runs in a
process group of its own and this process passes the first SIGTERM or SIGINT to the cluster's main process only
(a second one while it stops would deadlock django-q2's handler); django-q2 then stops its workers in order.
"""

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, process_group=0)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        if not stopping:
            stopping = True
            cluster.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return cluster.wait()


if __name__ == "__main__":
    sys.exit(main())
