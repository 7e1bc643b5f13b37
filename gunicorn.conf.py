"""gunicorn's settings for the web role (`gunicorn -c gunicorn.conf.py …`: scripts/docker-entrypoint.sh).

Workers: WEB_CONCURRENCY, or as many as the database serves best (integration_console.config.web_workers).
"""

import os

from integration_console.config import web_workers

workers = web_workers(os.environ, len(os.sched_getaffinity(0)))
