"""Integration Console settings: one module, driven by the environment.

Production differs from development only by environment variables. `ENVIRONMENT=production` turns on the
strict checks in `integration_console.config` (no default secrets, no debug, real hosts).
"""

from datetime import timedelta
from pathlib import Path

from csp.constants import NONE, SELF

from integration_console import config

BASE_DIR = Path(__file__).resolve().parent.parent
env = config.Env()

ENVIRONMENT = env.choice("ENVIRONMENT", default="sandbox", choices=("production", "staging", "sandbox"))
PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)
SECRET_KEY = env.secret("SECRET_KEY", production=PRODUCTION, dev_default=config.DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    config.refuse("ALLOWED_HOSTS", "must list the host names the console answers to in production")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Fernet keyring for credentials at rest: comma-separated, the first key encrypts, all decrypt.
ENCRYPTION_KEYS = env.fernet_keys("ENCRYPTION_KEYS", production=PRODUCTION, dev_default=config.DEV_ENCRYPTION_KEY)

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_q",
    # Our apps, bottom layer first (each depends only on the ones above it).
    "apps.entities",
    "apps.access",
    "apps.ledger",
    "apps.documents",
    "apps.connectors",
    "apps.mappings",
    "apps.worklist",
    "apps.sync",
    "apps.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "apps.access.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.access.middleware.ApiErrorMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.access.middleware.CorrelationIdMiddleware",
    "apps.access.middleware.SuperuserOnlyAdminMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "integration_console.urls"
WSGI_APPLICATION = "integration_console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.access.context_processors.console",
            ],
        },
    },
]

# --- Databases -------------------------------------------------------------------------------------------
# SQLite by default (WAL + busy timeout so the web process and workers share it); DATABASE_URL for PostgreSQL.
PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
DATABASES = {
    "default": config.database(
        env.str("DATABASE_URL", default=""), DATA_DIR / "console.sqlite3", prepared=PREPARED_STATEMENTS
    )
}
# The reporting store (star schema that BI tools read) is a database of its own: an SQLite file by default,
# REPORTING_DATABASE_URL for PostgreSQL. The router sends the store's models there and everything else to default.
DATABASES["reporting"] = config.database(
    env.str("REPORTING_DATABASE_URL", default=""),
    DATA_DIR / "reporting.sqlite3",
    variable="REPORTING_DATABASE_URL",
    test_prefix="test-reporting",
    write_gate=False,  # the gate is the console database's (see config.database)
    prepared=PREPARED_STATEMENTS,
)
DATABASE_ROUTERS = ["apps.reporting.router.ReportingRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth, sessions, security ----------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out user name + address before the password
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row; anonymous visitors have no permissions
GUARDIAN_RAISE_403 = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "reporting:dashboard"
LOGOUT_REDIRECT_URL = "access:login"

# Idle timeout: the session is saved on every request, so it ends SESSION_COOKIE_AGE seconds after the last one.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=3600)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
HTTPS = env.bool("HTTPS", default=PRODUCTION)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS and env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# No inline script or style anywhere (htmx is configured by a meta tag not to inject its indicator styles).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Lockout (django-axes): N failed passwords or codes for one user name from one address lock that pair.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "apps.access.lockout.locked_out"
AXES_CLIENT_IP_CALLABLE = "apps.access.lockout.client_ip"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_VERBOSE = False  # no start-up banner on every manage.py command; failures and lockouts are still logged
# Two-factor (django-otp TOTP): always for superusers, and for these roles; anyone may opt in from their account.
TWO_FACTOR_REQUIRED_ROLES = env.list("TWO_FACTOR_REQUIRED_ROLES", default=["integration_admin"])
if PRODUCTION and "integration_admin" not in TWO_FACTOR_REQUIRED_ROLES:
    config.refuse("TWO_FACTOR_REQUIRED_ROLES", "must include integration_admin in production")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Integration Console")

# --- I18N, static ----------------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": DATA_DIR / "media"}},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- REST framework --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Bearer first: its challenge makes a missing or bad credential a 401 (not a 403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.access.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.access.api.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    # Opt-in per view (`filter_fields`, `ordering_fields`): see apps/access/api_filters.py.
    "DEFAULT_FILTER_BACKENDS": ["apps.access.api_filters.FieldFilter", "apps.access.api_filters.StrictOrderingFilter"],
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "EXCEPTION_HANDLER": "apps.access.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Rates: API_THROTTLE_RATES below (read per request; see apps/access/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["apps.access.api.throttling.UserThrottle", "apps.access.api.throttling.AnonThrottle"],
}
# API rate limits: requests per second/min/hour/day per signed-in user and per anonymous address (bad tokens
# included); 429 with Retry-After past them. An empty value turns that limit off.
API_THROTTLE_RATES = {
    "user": env.str("API_THROTTLE_USER", default="1200/min") or None,
    "anon": env.str("API_THROTTLE_ANON", default="60/min") or None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Integration Console API",
    "DESCRIPTION": (
        "Everything the console shows, with the same permissions. Authenticate with your session or a personal "
        "token (`Authorization: Bearer ic_…`, created under Account → API tokens). Errors always read "
        '`{"error": {"code", "message", "fields"}}`. Lists are cursor-paginated (`next`, `previous`, `results`).'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Schema quality is tested (tests/api), not a deploy blocker: one app's undocumented view must not stop a deploy.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # Same field name, different choices: name the enums after their model's choices.
    "ENUM_NAME_OVERRIDES": {
        "FlowTriggerEnum": "apps.sync.models.FlowTrigger",
        "SyncRunTriggerEnum": "apps.sync.models.SyncRunTrigger",
        "SyncRunStatusEnum": "apps.sync.models.SyncRunStatus",
        "WorklistStatusEnum": "apps.worklist.models.WorklistStatus",
        "BulkActionStatusEnum": "apps.worklist.models.BulkActionStatus",
        "CredentialVersionStatusEnum": "apps.connectors.models.credential.CredentialVersionStatus",
        "MappingSetVersionStatusEnum": "apps.mappings.models.mapping.MappingSetVersionStatus",
    },
}

# --- Task queue (django-q2) ------------------------------------------------------------------------------
# ORM broker by default; REDIS_URL switches to Redis. timeout < retry so a task is never handed out twice
# while it still runs; max_attempts bounds redelivery of a task whose worker died.
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = config.q_cluster(
    redis_url=REDIS_URL,
    workers=env.int("Q_WORKERS", default=2),
    timeout=env.int("Q_TIMEOUT", default=300),
    retry=env.int("Q_RETRY", default=360),
    max_attempts=env.int("Q_MAX_ATTEMPTS", default=5),
    sync=env.bool("Q_SYNC", default=False),
)

# --- Cache: shared through Redis when there is one (worklist counts, rate-limit hints); per process otherwise.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "ic"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Console behaviour -----------------------------------------------------------------------------------
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")  # absolute links in emails
ODOO_SANDBOX_URL = env.str("ODOO_SANDBOX_URL", default="http://127.0.0.1:8169")
# The Odoo sandbox's admin token (its --admin-token), for `manage.py demo_pay` only.
ODOO_SANDBOX_ADMIN_TOKEN = env.str("ODOO_SANDBOX_ADMIN_TOKEN", default="demo-sandbox-admin")
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo")
LEDGER_ANCHOR_DIR = Path(env.str("LEDGER_ANCHOR_DIR", default=str(DATA_DIR / "anchors")))
LEDGER_ARCHIVE_DIR = Path(env.str("LEDGER_ARCHIVE_DIR", default=str(DATA_DIR / "ledger-archive")))
# Anchors also POSTed to this URL (off-host, ideally write-once); signed Standard-Webhooks-style with the secret
# (whsec_…) when set. Failed deliveries are retried at once (RETRIES, exponential backoff from BACKOFF seconds)
# and again at every later anchoring, and shown on the ledger page until delivered.
LEDGER_ANCHOR_URL = env.str("LEDGER_ANCHOR_URL", default="")
LEDGER_ANCHOR_SECRET = env.str("LEDGER_ANCHOR_SECRET", default="")
LEDGER_ANCHOR_RETRIES = env.int("LEDGER_ANCHOR_RETRIES", default=3)
LEDGER_ANCHOR_BACKOFF = float(env.str("LEDGER_ANCHOR_BACKOFF", default="1.0"))
LEDGER_ANCHOR_TIMEOUT = float(env.str("LEDGER_ANCHOR_TIMEOUT", default="10"))
# Days before a payload is archived to LEDGER_ARCHIVE_DIR (the entry and its digest stay); 0 keeps forever.
LEDGER_RETENTION_DAYS = {
    direction: env.int(f"LEDGER_RETENTION_DAYS_{direction.upper()}", default=days) or None
    for direction, days in {"inbound": 400, "outbound": 400, "internal": 90, "audit": 0}.items()
}
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Seconds a webhook flow's task may wait, while webhooks keep arriving, for a full batch before it posts
# (apps.sync.services.coalesce.batch_linger); it stops waiting once no webhook came for 0.2 s. 0: never waits.
SYNC_BATCH_LINGER = float(env.str("SYNC_BATCH_LINGER", default="5.0"))
# Batches a worker posts in threads of their own while it prepares the next (apps.sync.services.lane); 0: in turn.
SYNC_POSTING_LANES = env.int("SYNC_POSTING_LANES", default=2)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="integration-console@localhost")

LOGGING = config.logging_config(
    level=env.str("LOG_LEVEL", default="INFO"), json=env.bool("LOG_JSON", default=PRODUCTION)
)
