"""Settings from the environment and .env, validated once at start-up."""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def demo_file(name: str) -> Path:
    """A file of the bundled demo (the package ``findproject_data``), wherever it is installed."""
    return Path(str(files("findproject_data") / name))


def _prefixed(value: SecretStr | None, prefix: str) -> SecretStr | None:
    """Empty means unset; a wrong token type is caught here, not at the first Slack call."""
    if value is None or not value.get_secret_value().strip():
        return None
    if not value.get_secret_value().startswith(prefix):
        raise ValueError(f"must start with {prefix!r}")
    return SecretStr(value.get_secret_value().strip())


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/findproject, else ~/.cache/findproject."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "findproject"


class Settings(BaseSettings):
    """Every variable is documented in .env.example. Secrets stay SecretStr so they never print."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    catalog_path: Path = Field(default_factory=lambda: demo_file("projects.json"))
    taxonomy_path: Path | None = Field(default_factory=lambda: demo_file("tags.json"))

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None
    # Seconds to wait for one Slack API call; each call is retried a bounded number of times.
    slack_api_timeout: float = Field(default=10, gt=0, le=60)

    # Where the index and the tag model built from a catalog are kept between starts.
    cache_dir: Path = Field(default_factory=lambda: default_cache_dir())
    # A snapshot from `findproject index build`: start from it (memory-mapped) instead of the catalog.
    snapshot_path: Path | None = None
    state_db_path: Path = Path("state/findproject.sqlite3")
    # A Redis server shared by several bot processes (redis://host:port/db); unset: the SQLite file.
    state_url: str | None = None
    # The start of every key the bot writes there, so several bots can share one server.
    state_prefix: str = Field(default="findproject", min_length=1)
    state_ttl_days: float = Field(default=30, gt=0)
    host: str = "0.0.0.0"
    port: int = Field(default=3000, ge=1, le=65535)
    # Reply threads. Replies are CPU-bound under one GIL, so more threads add no throughput;
    # each runnable one delays the event loop's acks (benchmarks/bot_load.py: 4 beats 8).
    listener_threads: int = Field(default=4, ge=1, le=64)
    results_per_page: int = Field(default=5, ge=1, le=10)
    # Links the titles of projects that have no url, e.g. https://madewithml.com/projects/{id}
    project_url_template: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    metrics: bool = True
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # The search log (bot/searchlog.py): what was asked and found, for `findproject report`.
    search_log: bool = True
    # Keys the HMAC of user ids; unset: derived from SLACK_SIGNING_SECRET, else a random one kept in the state.
    search_log_secret: SecretStr | None = None
    log_request_text: bool = True
    log_retention_days: float = Field(default=90, gt=0)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, "xoxb-")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, "xapp-")

    @field_validator("slack_signing_secret", "search_log_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, "")

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _unset(cls, value: object) -> object:
        """An empty METRICS_PORT (as .env.example has it) means /metrics on the Slack port."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("snapshot_path", mode="before")
    @classmethod
    def _no_snapshot(cls, value: object) -> object:
        """An empty SNAPSHOT_PATH (as .env.example has it) means none."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str | None) -> str | None:
        """slack_sdk joins method names onto the base url, so it must end with '/'."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) url such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("project_url_template")
    @classmethod
    def _url_template(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("http://", "https://")) or "{id}" not in value:
            raise ValueError(
                "must be an http(s) url with {id} where the project id goes, e.g. https://madewithml.com/projects/{id}"
            )
        return value

    @field_validator("state_url")
    @classmethod
    def _state_url(cls, value: str | None) -> str | None:
        """Only a Redis url; the value itself is never echoed (it may hold a password)."""
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a Redis url such as redis://127.0.0.1:6379/0")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def slack_configured(self) -> bool:
        """Whether `run` should serve Slack (and name any other missing setting) or open the console chat."""
        return self.slack_bot_token is not None


class SettingsError(Exception):
    """One clear line naming the variable that is missing or invalid."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None


def require(settings: Settings, name: str, why: str) -> str:
    """The secret value of a setting a mode cannot run without."""
    value = getattr(settings, name.lower())
    if value is None:
        raise SettingsError(f"missing setting {name}: {why}")
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)
