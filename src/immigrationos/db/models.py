"""Every domain's tables, imported in one place for Alembic's autogenerate."""

from immigrationos.db.base import Base
from immigrationos.sources import models as sources_models

__all__ = ["Base", "sources_models"]
