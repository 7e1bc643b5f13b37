# Production image: `docker run IMAGE web|worker|migrate`. (No Docker engine runs on the project's CI
# machines, so this file is reviewed, not built, there.)
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATA_DIR=/var/lib/integration-console
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt \
 && groupadd --system console && useradd --system --gid console --home /app console \
 && mkdir -p "$DATA_DIR" && chown console:console "$DATA_DIR"

COPY --chown=console:console . .
# Static files are collected at build time (hashed names, pre-compressed) and served by whitenoise.
RUN DEBUG=false python manage.py collectstatic --noinput

USER console
EXPOSE 8000
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["web"]
