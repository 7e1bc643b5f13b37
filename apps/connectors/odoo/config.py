"""How to reach one Odoo database: URL, database, login, secret, protocol, timeout and rate limit.

The secret (password or API key) is excluded from repr/str so a config can be logged or shown safely.
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

PROTOCOLS = ("xmlrpc", "xmlrpcs", "jsonrpc", "jsonrpcs", "json2", "json2s")


@dataclass(frozen=True)
class Endpoint:
    """Where to connect: the protocol family (xmlrpc/jsonrpc/json2), TLS, host and an explicit port."""

    family: str
    tls: bool
    host: str
    port: int

    @property
    def odoolib_protocol(self) -> str:
        return self.family + ("s" if self.tls else "")

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        default = 443 if self.tls else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}" + ("" if self.port == default else f":{self.port}")


@dataclass(frozen=True)
class OdooConfig:
    url: str
    database: str
    login: str
    secret: str = field(repr=False)
    protocol: str = "xmlrpc"
    timeout: float = 30.0
    rate_limit_key: str = ""
    rate_per_second: float = 0.0
    rate_burst: float | None = None

    def __post_init__(self):
        if self.protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, not {self.protocol!r}")
        if self.timeout <= 0:
            raise ValueError("timeout must be a positive number of seconds")
        self.endpoint()  # validates the URL early

    def __str__(self) -> str:
        return f"{self.login}@{self.database} on {self.url} ({self.protocol})"

    def endpoint(self) -> Endpoint:
        """The URL's port, else 443 for https and 80 for http (never odoolib's 'auto' 8069 for https).

        TLS comes from the URL scheme; a protocol ending in "s" with an http:// URL is a contradiction.
        """
        parts = urlsplit(self.url if "://" in self.url else f"http://{self.url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"Odoo URL must look like https://host[:port], got {self.url!r}")
        tls = parts.scheme == "https"
        family = self.protocol[:-1] if self.protocol.endswith("s") else self.protocol
        if self.protocol != family and not tls:
            raise ValueError(f"protocol {self.protocol} needs an https:// URL")
        port = parts.port or (443 if tls else 80)
        return Endpoint(family=family, tls=tls, host=parts.hostname, port=port)
