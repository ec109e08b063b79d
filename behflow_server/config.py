"""Settings from environment variables (prefix BEHFLOW_), validated once at start-up."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

APP_NAME = "behflow"
SECRET_KEY_FILE = "secret_key"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


RegistrationMode = Literal["open", "closed", "invite"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BEHFLOW_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    secret_key: SecretStr | None = None
    token_ttl_minutes: int = Field(default=24 * 60, ge=1, le=60 * 24 * 365)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=1, le=65535)
    log_level: str = "info"
    db_pool_size: int = Field(default=10, ge=1, le=200)
    # PostgreSQL only: a statement running longer is cancelled (503 database_timeout); 0 = off.
    db_statement_timeout_seconds: float = Field(default=10.0, ge=0, le=3600)
    # SQLite only: "full" syncs every commit to disk (docs/deployment.md#sqlite-durability).
    sqlite_synchronous: Literal["normal", "full"] = "normal"
    # Slow or stalled clients (docs/deployment.md#timeouts): a connection whose request headers
    # are not complete this long after it opened (or after its previous response) is closed;
    # a request body not complete this long after its headers is answered 408.
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=3600)
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)

    # Failed password attempts (docs/deployment.md#login-limits-and-proxies): per username +
    # address (and per account for password changes), and per address; then a doubling wait.
    login_max_failures: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=30, ge=1)
    login_window_seconds: int = Field(default=300, ge=1)
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
    # comma-separated, "*" for any). Empty: the headers are ignored.
    forwarded_allow_ips: Annotated[list[str], NoDecode] = Field(default_factory=list)

    # Registration and password hashing (docs/deployment.md). `registration` unset means
    # open when the server binds to loopback only, closed when it binds beyond it.
    registration: RegistrationMode | None = None
    registration_invite_codes: Annotated[list[str], NoDecode] = Field(default_factory=list)
    registration_max_per_address: int = Field(default=50, ge=1)
    registration_window_seconds: int = Field(default=3600, ge=1)
    # Argon2 takes 64 MiB per hash: at most this many hashes or checks run at once...
    password_hash_concurrency: int = Field(default=2, ge=1, le=64)
    # ...and a request waits at most this long for a turn before it is answered 503 busy.
    password_hash_wait_seconds: float = Field(default=2.0, ge=0, le=60)

    # Big lists, bulk changes, chat, webhook tests and process runs (behflow_server/api/
    # concurrency.py): at most this many at once per user and server process; a further one
    # waits this long for a turn, then gets 429 too_many_concurrent_requests.
    expensive_requests_per_user: int = Field(default=2, ge=1, le=1000)
    expensive_request_wait_seconds: float = Field(default=2.0, ge=0, le=60)

    scheduler_enabled: bool = True
    # Server processes sharing the port (uvicorn workers, `behflow server start --workers N`).
    # The scheduler runs in one of them (the elected leader); on SQLite each worker reads the
    # others' live events from the events table every `events_poll_seconds`.
    workers: int = Field(default=1, ge=1, le=32)
    events_poll_seconds: float = Field(default=0.2, gt=0, le=10)

    # Operations (docs/deployment.md#probes): what this process does (api: serve requests, no
    # scheduled jobs; scheduler: also run them; all: both), log lines as text or JSON, the
    # Prometheus /metrics endpoint and its optional bearer token, how long a stopping server
    # waits for open requests, and whether the server applies migrations itself on start.
    role: Literal["all", "api", "scheduler"] = "all"
    log_format: Literal["text", "json"] = "text"
    metrics_enabled: bool = True
    metrics_token: SecretStr | None = None
    shutdown_grace_seconds: int = Field(default=10, ge=0, le=3600)
    migrate_on_start: bool = True
    chat_session_ttl_hours: int = Field(default=24 * 7, ge=1)
    # Automation (docs/automation.md): how often the scheduler looks for due work, the
    # shortest interval a process may use, retry back-off, event retention, webhooks.
    scheduler_tick_seconds: float = Field(default=5.0, gt=0, le=300)
    scheduler_min_interval_seconds: int = Field(default=60, ge=1)
    scheduler_retry_base_seconds: float = Field(default=30.0, gt=0)
    scheduler_workers: int = Field(default=4, ge=1, le=64)
    events_retention_days: int = Field(default=7, ge=1)
    # History and undo (docs/api.md): changesets older than this are pruned by session_cleanup.
    history_retention_days: int = Field(default=30, ge=1, le=3650)
    webhook_max_attempts: int = Field(default=5, ge=1, le=20)
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Fairness (docs/automation.md): senders per process, and how many of them one receiver
    # (scheme, host, port) or one account may hold at once; webhook tests at once per
    # process and per account (more are answered 503 / 429 at once).
    webhook_workers: int = Field(default=8, ge=1, le=128)
    webhook_per_destination: int = Field(default=2, ge=1, le=64)
    webhook_per_user: int = Field(default=4, ge=1, le=64)
    webhook_tests_concurrency: int = Field(default=4, ge=1, le=64)
    webhook_tests_per_user: int = Field(default=1, ge=1, le=16)
    # Outbound requests to user-chosen URLs (behflow_server/outbound.py): only public unicast
    # addresses unless allowed here; comma-separated CIDRs or host names.
    outbound_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    outbound_deny: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Apprise notification targets (docs/automation.md): attempts per reminder and target,
    # back-off base between them (base, 2x, 4x...), and each attempt's socket timeouts.
    notify_max_attempts: int = Field(default=5, ge=1, le=20)
    notify_retry_base_seconds: float = Field(default=60.0, gt=0)
    notify_timeout_seconds: float = Field(default=10.0, gt=0, le=120)

    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    events_replay_limit: int = Field(default=1000, ge=1, le=100_000)
    events_max_streams_per_user: int = Field(default=20, ge=1, le=10_000)

    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = Field(default=30.0, gt=0)
    llm_max_retries: int = Field(default=1, ge=0, le=10)
    # Whose public holidays date phrases name ("christmas", "labor day"): an ISO 3166 code.
    holiday_country: str = Field(default="US", min_length=2, max_length=3, pattern=r"^[A-Za-z]+$")

    @field_validator(
        "cors_origins", "registration_invite_codes", "forwarded_allow_ips", mode="before"
    )
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("outbound_allow", "outbound_deny", mode="before")
    @classmethod
    def _split_outbound(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            entries = [str(entry).strip().lower() for entry in value if str(entry).strip()]
            for entry in entries:
                try:
                    ipaddress.ip_network(entry.strip("[]"), strict=False)
                except ValueError:
                    if not re.fullmatch(r"[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?\.?", entry):
                        raise ValueError(f"{entry!r} is neither a CIDR nor a host name") from None
            return entries
        return value

    @field_validator("registration", mode="before")
    @classmethod
    def _check_registration(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @property
    def runs_scheduler(self) -> bool:
        """BEHFLOW_ROLE=api keeps scheduled jobs out of this process; BEHFLOW_SCHEDULER_ENABLED
        =false does too (whatever the role)."""
        return self.scheduler_enabled and self.role != "api"

    @property
    def registration_mode(self) -> RegistrationMode:
        """The configured mode, else open on a loopback-only bind and closed beyond it."""
        if self.registration is not None:
            return self.registration
        return "open" if binds_to_loopback(self.host) else "closed"

    @field_validator("sqlite_synchronous", "role", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        level = value.lower()
        if level not in {"critical", "error", "warning", "info", "debug", "trace"}:
            raise ValueError("must be one of critical, error, warning, info, debug, trace")
        return level

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        scheme = value.split(":", 1)[0].lower()
        if not (scheme.startswith("sqlite") or scheme.startswith("postgres")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        # The default store lives in the data directory: create it even when nothing else
        # (a generated secret key) has needed it yet.
        return f"sqlite:///{self.ensure_data_dir() / 'behflow.db'}"

    @property
    def llm_key(self) -> str | None:
        if self.llm_api_key is not None:
            return self.llm_api_key.get_secret_value()
        return os.environ.get("OPENAI_API_KEY")

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def resolve_secret_key(self) -> str:
        """The configured key, or one generated on first start and kept in a 0600 file."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        path = self.ensure_data_dir() / SECRET_KEY_FILE
        if path.exists():
            key = path.read_text().strip()
            if key:
                return key
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def binds_to_loopback(host: str) -> bool:
    """True when `host` only accepts connections from this machine (127.0.0.0/8, ::1)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalize_database_url(url: str) -> str:
    """Let users write postgres:// or postgresql://; we always drive PostgreSQL with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class ConfigError(Exception):
    """Raised with one readable line naming the bad setting."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates each value
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        raise ConfigError(f"invalid setting BEHFLOW_{field.upper()}: {first['msg']}") from None
