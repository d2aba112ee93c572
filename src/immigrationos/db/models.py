"""Every domain's tables, imported in one place for Alembic's autogenerate."""

from immigrationos.audit import models as audit_models
from immigrationos.auth import models as auth_models
from immigrationos.cases import models as cases_models
from immigrationos.custody import models as custody_models
from immigrationos.db.base import Base
from immigrationos.documents import models as documents_models
from immigrationos.jobs import models as jobs_models  # noqa: F401
from immigrationos.operations import models as operations_models
from immigrationos.oversight import contest_models as oversight_contest_models
from immigrationos.oversight import models as oversight_switch_models
from immigrationos.oversight import replay as oversight_replay_models
from immigrationos.policy import models as policy_models
from immigrationos.records import models as records_models
from immigrationos.resolution import models as resolution_models
from immigrationos.sources import models as sources_models
from immigrationos.targeting import models as targeting_models
from immigrationos.worksite import models as worksite_models

__all__ = [
    "Base",
    "audit_models",
    "auth_models",
    "cases_models",
    "custody_models",
    "documents_models",
    "operations_models",
    "oversight_contest_models",
    "oversight_replay_models",
    "oversight_switch_models",
    "policy_models",
    "records_models",
    "resolution_models",
    "sources_models",
    "targeting_models",
    "worksite_models",
]
