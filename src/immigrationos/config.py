"""One settings object for the whole platform, read from IMOS_* environment variables."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_VAR_DIR = Path("var")


class Settings(BaseSettings):
    """Platform settings: storage locations and reference tables.

    The embedded default needs no server: a SQLite file and a Parquet lake read by
    DuckDB, both under ``./var/``. PostgreSQL is chosen with
    ``IMOS_DATABASE_URL=postgresql+psycopg://user@host/db``.
    """

    model_config = SettingsConfigDict(env_prefix="IMOS_", env_file=".env", extra="ignore")

    var_dir: Path = Field(
        default=DEFAULT_VAR_DIR, description="Working folder of the embedded default."
    )
    database_url: str = Field(default="", description="SQLAlchemy URL of the operational database.")
    lake_dir: Path | None = Field(default=None, description="Folder of the Parquet lake.")
    aor_file: Path | None = Field(
        default=None,
        description="CSV of field-office areas of responsibility (office, state, zip_prefix); "
        "the bundled table when unset.",
    )
    audit_signing_key: Path | None = Field(
        default=None,
        description="PEM file of the Ed25519 key that signs audit checkpoints "
        "(created on first use; defaults to <var>/keys/audit-signing-key.pem).",
    )
    data_use_policy: Path | None = Field(
        default=None,
        description="TOML file of the data-use policy per source; the bundled policy when unset.",
    )
    operator: str | None = Field(
        default=None, description="Who runs command-line jobs (defaults to the OS user)."
    )
    engine: str = Field(
        default="duckdb",
        description="Engine of the batch stages that scan the lake: duckdb (one machine) or "
        "spark (resolution's scoring and targeting's batch on Spark, IMOS_SPARK_MASTER).",
    )
    spark_master: str = Field(
        default="local[*]", description="Spark master URL when IMOS_ENGINE=spark."
    )
    spark_driver_memory: str = Field(
        default="4g", description="Memory of the Spark driver (local mode: all of Spark's)."
    )
    spark_shuffle_partitions: int = Field(
        default=8, description="Spark's shuffle partitions (a few per core of the cluster)."
    )
    duckdb_memory_limit: str = Field(
        default="2GB",
        description="DuckDB's memory cap while resolving (it spills to disk beyond it), e.g. "
        "2GB or 6GB: raise it on a large world and a large machine.",
    )
    memory_check: bool = Field(
        default=True,
        description="Refuse a full resolution whose estimated peak memory exceeds the memory "
        "this process has (resolution.capacity), rather than be killed part way.",
    )
    resolution_backend: str = Field(
        default="splink-duckdb",
        description="Identity-resolution backend (resolution.backend.BACKENDS): splink-duckdb.",
    )

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if value not in ("duckdb", "spark"):
            raise ValueError(f"IMOS_ENGINE must be duckdb or spark, got {value!r}")
        return value

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", value.strip()):
            raise ValueError(
                f"IMOS_DUCKDB_MEMORY_LIMIT must be a size such as 2GB or 512MB, got {value!r}"
            )
        return value.strip()

    @field_validator("database_url")
    @classmethod
    def _known_driver(cls, value: str) -> str:
        if value and not value.startswith(("sqlite", "postgresql")):
            raise ValueError(
                f"IMOS_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL, got {value!r}"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL, defaulting to a SQLite file under the var folder."""
        return self.database_url or f"sqlite:///{(self.var_dir / 'imos.sqlite3').as_posix()}"

    @property
    def resolved_audit_signing_key(self) -> Path:
        """Return the audit signing key's file, defaulting to ``<var>/keys/``."""
        if self.audit_signing_key is not None:
            return self.audit_signing_key
        return self.var_dir / "keys" / "audit-signing-key.pem"

    @property
    def resolved_lake_dir(self) -> Path:
        """Return the lake folder, defaulting to ``<var>/lake``."""
        return self.lake_dir if self.lake_dir is not None else self.var_dir / "lake"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()
