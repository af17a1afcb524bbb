"""One settings object, read from the environment, for every process."""
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.logs import LogFormat
from shared.signing import load_or_create_secret

REPO_ROOT = Path(__file__).resolve().parent.parent


PLACEHOLDERS = frozenset({"", "secret", "password", "placeholder", "todo", "xxx", "test", "admin", "token"})
MIN_SECRET_LENGTH = 16


class Settings(BaseSettings):
    """Environment variables of the same name (upper case) override each default."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    amqp_uri: str = "amqp://guest:guest@127.0.0.1:5672/"
    rabbit_api_uri: str = "http://guest:guest@127.0.0.1:15672"
    # Unset: the stack starts the embedded SecantusDB and fills this in for its children.
    mongo_url: str | None = None
    mongo_db: str = "ndld"
    # The embedded database writes its journal to disk before it acknowledges a commit, so a killed database
    # loses no acknowledged write. Costs half to two thirds of its insert_one rate; insert_many, which every
    # hot path uses, is unchanged. Turn it off only for throwaway data.
    mongo_sync_on_commit: bool = True
    data_dir: Path = REPO_ROOT / "data"
    # Ed25519 private key (32 raw bytes, base64). Unset: kept in data_dir/signing.key.
    signing_key: str | None = None
    # Bearer token for the organisers' API. Unset: kept in data_dir/organiser.token.
    organiser_token: str | None = None
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rpc_timeout_seconds: float = 10.0
    stats_push_interval_seconds: float = 0.1
    # The embedded database is backed up this often into data_dir/backups (0: never), keeping the newest few.
    backup_interval_minutes: float = 15.0
    backups_kept: int = 24
    # How often the registration service checks whether the retention period ran out.
    shred_check_seconds: float = 3600.0
    # "json": one JSON object per line (time, level, process, request_id, logger, message), for a collector.
    log_format: LogFormat = "text"
    log_level: str = "INFO"

    @field_validator("organiser_token", "signing_key")
    @classmethod
    def refuse_placeholders(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A secret left at a template's placeholder would open the event to anyone: refuse to start."""
        if value is None:
            return value
        folded = value.strip().lower().replace("-", "_")
        if folded in PLACEHOLDERS or any(word in folded for word in ("replace_me", "changeme", "change_me")) \
                or len(value.strip()) < MIN_SECRET_LENGTH:
            name = (info.field_name or "secret").upper()
            raise ValueError(f"{name} is a placeholder or too short: set a real secret "
                             f"(at least {MIN_SECRET_LENGTH} random characters), or unset it for a generated one")
        return value

    def nameko_config(self) -> dict[str, Any]:
        """The config dict nameko containers and their dependency providers read."""
        return {
            "AMQP_URI": self.amqp_uri,
            "MONGO_URL": self.mongo_url,
            "MONGO_DB": self.mongo_db,
            "SIGNING_KEY": self.signing_key,
            "SIGNING_KEY_FILE": str(self.data_dir / "signing.key"),
            "BACKUPS_DIR": str(self.data_dir / "backups"),
            "SHRED_CHECK_SECONDS": self.shred_check_seconds,
        }


    def organiser_secret(self) -> str:
        if self.organiser_token:
            return self.organiser_token
        return load_or_create_secret(self.data_dir / "organiser.token", lambda: secrets.token_urlsafe(24))


@lru_cache
def get_settings() -> Settings:
    return Settings()
