#!/bin/sh
# Container roles: web (gunicorn), worker (django-q2 qcluster), migrate (apply migrations and exit).
set -e
case "${1:-web}" in
  web)     exec gunicorn integration_console.wsgi:application --bind 0.0.0.0:8000 \
               --workers "${WEB_CONCURRENCY:-3}" --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" ;;
  worker)  exec python manage.py qcluster ;;
  migrate) exec python manage.py migrate --noinput ;;
  *)       exec "$@" ;;
esac
