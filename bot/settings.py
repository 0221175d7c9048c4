"""Settings from the environment and .env, validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _prefixed(value: SecretStr | None, prefix: str) -> SecretStr | None:
    """Empty means unset; a wrong token type is caught here, not at the first Slack call."""
    if value is None or not value.get_secret_value().strip():
        return None
    if not value.get_secret_value().startswith(prefix):
        raise ValueError(f"must start with {prefix!r}")
    return SecretStr(value.get_secret_value().strip())


class Settings(BaseSettings):
    """Every variable is documented in .env.example. Secrets stay SecretStr so they never print."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    catalog_path: Path = DATA_DIR / "projects.json"
    taxonomy_path: Path | None = DATA_DIR / "tags.json"

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None
    # Seconds to wait for one Slack API call; each call is retried a bounded number of times.
    slack_api_timeout: float = Field(default=10, gt=0, le=60)

    state_db_path: Path = Path("state/findproject.sqlite3")
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

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, "xoxb-")

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, "xapp-")

    @field_validator("slack_signing_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        return _prefixed(value, "")

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
            raise ValueError("must be an http(s) url with {id} where the project id goes, "
                             "e.g. https://madewithml.com/projects/{id}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

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
