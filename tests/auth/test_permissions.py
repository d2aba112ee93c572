"""The permission table: complete, least-privilege where the issue says so, documented."""

from __future__ import annotations

from pathlib import Path

from immigrationos.auth.models import NATIONAL_ROLES, ROLES
from immigrationos.auth.permissions import (
    PERSON_DATA_PERMISSIONS,
    ROLE_PERMISSIONS,
    Permission,
    permission_table_markdown,
    permissions_of,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def test_every_role_has_a_row_and_unknown_roles_get_nothing() -> None:
    assert set(ROLE_PERMISSIONS) == set(ROLES)
    assert permissions_of("KING") == frozenset()


def test_admin_reads_no_person_data() -> None:
    assert not (permissions_of("ADMIN") & PERSON_DATA_PERMISSIONS)


def test_oversight_reads_everything_and_changes_nothing_but_targeting() -> None:
    oversight = permissions_of("OVERSIGHT")
    readers = {p for p in Permission if p.value.endswith((".read", ".search"))}
    assert readers <= oversight
    writes = oversight - readers - {Permission.AUDIT_VERIFY}
    assert writes == {Permission.TARGETING_SUSPEND, Permission.TARGETING_SIGNOFF}


def test_only_oversight_reads_the_audit_log() -> None:
    assert [r for r in ROLES if Permission.AUDIT_READ in permissions_of(r)] == ["OVERSIGHT"]


def test_headquarters_roles_are_national() -> None:
    assert set(NATIONAL_ROLES) == {"ANALYST", "OVERSIGHT", "ADMIN"}


def test_the_documentation_is_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert text.endswith(permission_table_markdown()), "regenerate docs/permissions.md"
