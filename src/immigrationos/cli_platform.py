"""Command-line use of the platform core: the API server, accounts, the audit log.

Command-line use on the platform's own machine is the operator's: it is audited as
``operator:<user>@<host>`` (``IMOS_OPERATOR`` names someone else).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from immigrationos import demo_accounts
from immigrationos.audit import flows as audit_flows
from immigrationos.audit import signing
from immigrationos.auth import accounts as auth_accounts
from immigrationos.auth import errors as auth_errors
from immigrationos.auth.principal import Principal
from immigrationos.config import get_settings
from immigrationos.db.engine import get_engine, session_scope
from immigrationos.policy import flows as policy_flows
from immigrationos.policy.errors import PolicyError
from immigrationos.policy.schemas import PurposeCreate
from immigrationos.records import flows as records_flows

console = Console()
err = Console(stderr=True, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add the platform-core commands to the ``imos`` command line."""
    app.add_typer(users_app, name="users")
    app.add_typer(audit_app, name="audit")
    app.add_typer(purposes_app, name="purposes")
    app.command()(serve)
    app.command()(reindex)


def _operator() -> Principal:
    return Principal.operator(get_settings().operator)


def print_demo_setup(setup: demo_accounts.DemoSetup, var_dir: Path) -> None:
    """Print the demo's sign-in details and its SAMPLE authorization."""
    console.print(f"[bold]Demo users[/] (field roles work in the {setup.office}):")
    for cred in setup.credentials:
        console.print(
            f"  [bold]{cred.username:<24}[/] {cred.role:<17} password {cred.password}  "
            f"TOTP secret {cred.totp_secret}  (code now {demo_accounts.current_code(cred)})",
            soft_wrap=True,
        )
    console.print(
        f"Kept in {demo_accounts.credentials_path(var_dir)} (owner-readable only). Sign in at "
        "POST /api/v1/auth/sign-in after `imos serve` with username, password and the "
        "authenticator code of the secret (or the code shown, within 30 s).\n"
        f"SAMPLE criminal investigation (synthetic), purpose id {setup.sample_purpose_id}: "
        f"a sample § 6103(i)(1) order {setup.sample_order_id or '(none: no IRS records)'} and "
        f"a sample judicial warrant {setup.sample_warrant_id or '(none: no warrant-state DMV records)'} "
        "name a few subjects, so IRS and DMV rules can be seen to allow as well as refuse."
    )


purposes_app = typer.Typer(
    help="Purposes under which person data is read (required for every read)."
)


@purposes_app.command("create")
def purposes_create(
    kind: Annotated[str, typer.Option(help="CASE, LEAD, CRIMINAL_INVESTIGATION or BATCH.")],
    reference: Annotated[str, typer.Option(help="The case, lead or investigation number.")],
    title: Annotated[str, typer.Option(help="A short title.")],
    justification: Annotated[str, typer.Option(help="Why the data is needed.")],
) -> None:
    """Declare a purpose as the operator; print its id for --purpose."""
    try:
        purpose = policy_flows.create_purpose(
            principal=_operator(),
            data=PurposeCreate.model_validate(
                {
                    "kind": kind,
                    "reference": reference,
                    "title": title,
                    "justification": justification,
                }
            ),
            engine=get_engine(),
        )
    except (PolicyError, ValidationError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"purpose {purpose.id} ({purpose.kind} {purpose.reference})")


@purposes_app.command("list")
def purposes_list(
    include_closed: Annotated[bool, typer.Option(help="Closed purposes too.")] = False,
) -> None:
    """List the purposes the operator can see."""
    with session_scope(get_engine()) as session:
        found = policy_flows.list_purposes(
            session=session, principal=_operator(), include_closed=include_closed
        )
        table = Table(title="Purposes")
        for name in ("id", "kind", "reference", "title", "office", "created by", "closed"):
            table.add_column(name, overflow="fold")
        for p in found:
            table.add_row(
                p.id, p.kind, p.reference, p.title, p.field_office or "national", p.created_by,
                "yes" if p.closed_at else "",
            )  # fmt: skip
    console.print(table)


def reindex() -> None:
    """Rebuild the record index from the lake (after an upgrade or an AOR table change)."""
    with Progress(console=console) as bar:
        task = bar.add_task("reindex", total=None)

        def step(source: str, done: int, total: int) -> None:
            bar.update(task, description=f"reindex {source}", completed=done, total=total)

        report = records_flows.reindex(get_engine(), progress=step, run_by=_operator().actor)
    totals = report.totals
    console.print(
        f"record index rebuilt: {totals['records']:,} records, {totals['versions']:,} versions, "
        f"{totals['keys']:,} search keys"
    )


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Serve the API (and, as it comes, the interface) on the configured database and lake."""
    import uvicorn  # the server is only needed here

    settings = get_settings()
    engine = get_engine()  # migrate before the workers start
    console.print(
        f"ImmigrationOS API on http://{host}:{port}/api/v1 (docs at /api/v1/docs)\n"
        f"Database: {engine.url.render_as_string(hide_password=True)}\n"
        f"Lake: {settings.resolved_lake_dir}"
    )
    uvicorn.run(
        "immigrationos.api:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


users_app = typer.Typer(help="Accounts: administrators and users (MFA is required for everyone).")


@users_app.command("create-admin")
def users_create_admin(
    username: Annotated[str, typer.Option(prompt=True, help="Sign-in name (a-z, 0-9, . _ -).")],
    display_name: Annotated[str, typer.Option(prompt=True, help="Full name.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            envvar="IMOS_ADMIN_PASSWORD",
            help="At least 12 characters, not a common password.",
        ),
    ],
    force: Annotated[bool, typer.Option(help="Create another administrator.")] = False,
) -> None:
    """Create the first administrator and print the authenticator enrolment (once)."""
    try:
        created = auth_accounts.create_admin(
            username,
            display_name,
            password,
            created_by=Principal.operator(get_settings().operator).actor,
            force=force,
        )
    except auth_errors.PasswordPolicyError as exc:
        for problem in exc.problems:
            err.print(f"[red]password:[/] {problem}")
        raise typer.Exit(2) from exc
    except auth_errors.AuthError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"Administrator [bold]{created.user.username}[/] created.")
    console.print("Enrol this secret in an authenticator app now; it is not shown again:")
    console.print(f"  secret: {created.totp_secret}\n  URI:    {created.provisioning_uri}")


audit_app = typer.Typer(help="The tamper-evident audit log.")


@audit_app.command("verify")
def audit_verify() -> None:
    """Verify the audit log's hash chain; write a signed checkpoint when it is intact."""
    report = audit_flows.verify_log(get_engine())
    if report.ok:
        console.print(
            f"[green]intact[/]: {report.events_checked:,} events, head {report.head_seq} "
            f"{report.head_hash}; signed checkpoint written (imos audit checkpoint exports it)"
        )
        return
    err.print(
        f"[red]BROKEN[/] at event {report.first_broken_seq}: {report.reason}: {report.message}"
    )
    raise typer.Exit(1)


@audit_app.command("checkpoint")
def audit_checkpoint(
    export: Annotated[
        Path | None, typer.Option(help="Write the signed checkpoint to this JSON file.")
    ] = None,
) -> None:
    """Verify the log, sign a checkpoint of its head, and export it for an outside party."""
    report = audit_flows.verify_log(get_engine())
    if not report.ok:
        err.print(f"[red]BROKEN[/] at event {report.first_broken_seq}: {report.message}")
        raise typer.Exit(1)
    found = audit_flows.latest_signed_checkpoint(get_engine())
    assert found is not None
    if export is not None:
        export.write_text(found.to_json() + "\n", encoding="utf-8")
        console.print(f"signed checkpoint of event {found.seq} written to {export}")
    else:
        console.print_json(found.to_json())


@audit_app.command("check")
def audit_check(
    file: Annotated[Path, typer.Argument(help="A signed checkpoint exported earlier.")],
) -> None:
    """Check that the log still holds what a signed checkpoint kept elsewhere says."""
    try:
        checkpoint = signing.SignedCheckpoint.from_json(
            file.read_text(encoding="utf-8"), source=str(file)
        )
    except (OSError, signing.SigningError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    result = audit_flows.check_against(checkpoint, get_engine())
    if result.ok:
        console.print(f"[green]consistent[/]: {result.message}")
        return
    err.print(f"[red]INCONSISTENT[/]: {result.message}")
    raise typer.Exit(1)
