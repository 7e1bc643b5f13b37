#!/bin/sh
# Container roles: web (gunicorn), worker (django-q2 qcluster), migrate (apply migrations to the console database
# and to the reporting store, then exit).
set -e
# gunicorn and qcluster run no system checks: refuse to start on e.g. an ENCRYPTION_KEYS that cannot decrypt.
[ "${1:-web}" = migrate ] || python manage.py check --fail-level ERROR >/dev/null
case "${1:-web}" in
  web)     exec gunicorn integration_console.wsgi:application -c gunicorn.conf.py --bind 0.0.0.0:8000 \
               --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" ;;
  worker)  exec python manage.py qcluster ;;
  migrate) python manage.py migrate --noinput && exec python manage.py migrate --noinput --database reporting ;;
  *)       exec "$@" ;;
esac
