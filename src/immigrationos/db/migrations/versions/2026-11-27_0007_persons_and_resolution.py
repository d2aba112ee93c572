"""persons and resolution: runs, persons, memberships, links, judgements, events, flags

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 04:00:00.000000

Filled by ``resolution.flows.persist_result`` (one transaction per run) and by reviewers'
judgements. Empty until the first resolution run.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PK_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
RUN_STATUSES = ("COMPLETED", "FAILED")
PERSON_STATUSES = ("ACTIVE", "MERGED", "RETIRED")
EVENT_KINDS = ("CREATED", "MERGED", "SPLIT", "RETIRED")
VERDICTS = ("SAME", "DIFFERENT", "UNSURE")
REF_KINDS = ("RECORD", "PERSON")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _run_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["resolution_runs.id"], name=op.f(f"fk_{table}_{column}_resolution_runs")
    )


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "resolution_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("backend", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("purpose_id", sa.String(length=36), nullable=True),
        sa.Column("run_by", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("links", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("merged", sa.Integer(), nullable=False),
        sa.Column("split", sa.Integer(), nullable=False),
        sa.Column("retired", sa.Integer(), nullable=False),
        sa.Column("stats", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            _in("status", RUN_STATUSES), name=op.f("ck_resolution_runs_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_runs")),
    )

    op.create_table(
        "persons",
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("merged_into", sa.String(length=11), nullable=True),
        sa.Column("display_name", sa.String(length=400), nullable=True),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("field_office", sa.String(length=200), nullable=True),
        sa.Column("created_run", sa.String(length=36), nullable=False),
        sa.Column("updated_run", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("status", PERSON_STATUSES), name=op.f("ck_persons_status_known")),
        sa.CheckConstraint(
            "confidence >= 0 AND confidence <= 1", name=op.f("ck_persons_confidence_range")
        ),
        _run_fk("persons", "created_run"),
        _run_fk("persons", "updated_run"),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_persons")),
    )
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.create_index("ix_persons_field_office", ["field_office"], unique=False)
        batch_op.create_index("ix_persons_confidence", ["status", "confidence"], unique=False)

    op.create_table(
        "person_records",
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=128), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("source", "record_id", name=op.f("pk_person_records")),
    )
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_records_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "person_links",
        sa.Column("id", PK_TYPE, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("unique_id_l", sa.String(length=200), nullable=False),
        sa.Column("unique_id_r", sa.String(length=200), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_links")),
    )
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_links_person_id"), ["person_id"], unique=False)
        batch_op.create_index(
            "ix_person_links_match_probability", ["match_probability", "id"], unique=False
        )

    op.create_table(
        "identity_judgements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("left_kind", sa.String(length=8), nullable=False),
        sa.Column("left_ref", sa.String(length=200), nullable=False),
        sa.Column("right_kind", sa.String(length=8), nullable=False),
        sa.Column("right_ref", sa.String(length=200), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("purpose_id", sa.String(length=36), nullable=True),
        sa.Column("made_by", sa.String(length=200), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=36), nullable=True),
        sa.CheckConstraint(
            _in("verdict", VERDICTS), name=op.f("ck_identity_judgements_verdict_known")
        ),
        sa.CheckConstraint(
            _in("left_kind", REF_KINDS), name=op.f("ck_identity_judgements_left_kind_known")
        ),
        sa.CheckConstraint(
            _in("right_kind", REF_KINDS), name=op.f("ck_identity_judgements_right_kind_known")
        ),
        sa.CheckConstraint(
            "length(trim(reason)) > 0", name=op.f("ck_identity_judgements_reason_given")
        ),
        sa.CheckConstraint("left_ref <> right_ref", name=op.f("ck_identity_judgements_two_sides")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_judgements")),
    )
    with op.batch_alter_table("identity_judgements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_identity_judgements_pair", ["left_ref", "right_ref"], unique=False
        )
        batch_op.create_index("ix_identity_judgements_right_ref", ["right_ref"], unique=False)

    op.create_table(
        "person_events",
        sa.Column("id", PK_TYPE, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("person_id", sa.String(length=11), nullable=False),
        sa.Column("from_ids", sa.Text(), nullable=False),
        sa.Column("into_ids", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("kind", EVENT_KINDS), name=op.f("ck_person_events_kind_known")),
        _run_fk("person_events", "run_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_events")),
    )
    with op.batch_alter_table("person_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_events_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_events_run_id"), ["run_id"], unique=False)

    op.create_table(
        "resolution_flags",
        sa.Column("id", PK_TYPE, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=True),
        sa.Column("unique_ids", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        _run_fk("resolution_flags", "run_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resolution_flags")),
    )
    with op.batch_alter_table("resolution_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resolution_flags_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("resolution_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resolution_flags_run_id"))
    op.drop_table("resolution_flags")
    with op.batch_alter_table("person_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_events_run_id"))
        batch_op.drop_index(batch_op.f("ix_person_events_person_id"))
    op.drop_table("person_events")
    with op.batch_alter_table("identity_judgements", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_judgements_right_ref")
        batch_op.drop_index("ix_identity_judgements_pair")
    op.drop_table("identity_judgements")
    with op.batch_alter_table("person_links", schema=None) as batch_op:
        batch_op.drop_index("ix_person_links_match_probability")
        batch_op.drop_index(batch_op.f("ix_person_links_person_id"))
    op.drop_table("person_links")
    with op.batch_alter_table("person_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_records_person_id"))
    op.drop_table("person_records")
    with op.batch_alter_table("persons", schema=None) as batch_op:
        batch_op.drop_index("ix_persons_confidence")
        batch_op.drop_index("ix_persons_field_office")
    op.drop_table("persons")
    op.drop_table("resolution_runs")
