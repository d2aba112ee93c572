"""Lawful-use use cases; each owns its transaction and writes its audit event in it.

Purposes are declared and closed, authorizations recorded and revoked, access grants
given and taken back, records disclosed: the change and its audit event commit
together. A refused attempt is audited too (outcome DENIED), in a transaction of its
own, since the refused change is rolled back. Who may call which flow is decided by
the API layer with the permission table; the flows take the acting ``Principal`` for
the audit and for its field offices.

The use cases live in ``purpose_flows``, ``authorization_flows``, ``disclosure_flows``
and ``demo`` (to keep files small); this module is their one public face, and also
offers ``load_context`` (a read, in ``service``) where callers look for it.
"""

from __future__ import annotations

from immigrationos.policy.authorization_flows import (
    grant_access,
    record_authorization,
    record_authorization_in,
    revoke_access,
    revoke_authorization,
)
from immigrationos.policy.demo import (
    DemoAuthorizations,
    DemoSubjects,
    pick_demo_subjects,
    seed_demo_authorization,
)
from immigrationos.policy.disclosure_flows import accounting, disclose
from immigrationos.policy.purpose_flows import (
    close_purpose,
    create_purpose,
    create_purpose_in,
    get_purpose,
    list_purposes,
)
from immigrationos.policy.service import (
    HOW_TO_DECLARE,
    authorization_view,
    load_context,
    purpose_view,
)

__all__ = [
    "HOW_TO_DECLARE",
    "DemoAuthorizations",
    "DemoSubjects",
    "accounting",
    "authorization_view",
    "close_purpose",
    "create_purpose",
    "create_purpose_in",
    "disclose",
    "get_purpose",
    "grant_access",
    "list_purposes",
    "load_context",
    "pick_demo_subjects",
    "purpose_view",
    "record_authorization",
    "record_authorization_in",
    "revoke_access",
    "revoke_authorization",
    "seed_demo_authorization",
]
