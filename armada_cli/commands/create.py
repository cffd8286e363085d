"""create -f <file> [--dry-run]: a Queue or RetryPolicy from a file (spec §5.3)."""

from __future__ import annotations

import click

from armada_cli import files, resources
from armada_cli.base import Group, help_unless_subcommand
from armada_cli.bulk import call_or_fail
from armada_cli.session import Session

HELP = "Create Armada resource. Supported: queue, retry-policy; or any of them from a file (-f)."


def group(root: click.Group) -> click.Group:
    """The `create` parent, which also creates a resource from a file itself."""

    @root.group("create", cls=Group, help=HELP)
    @click.option("-f", "--file", "path", default=None, help="Path to a Queue or RetryPolicy file.")
    @click.option("--dry-run", is_flag=True, help="Validate the file; create nothing.")
    @click.pass_context
    def create(ctx: click.Context, path: str | None, dry_run: bool) -> None:
        if path is None or ctx.invoked_subcommand is not None:
            help_unless_subcommand(ctx)
            return
        _create(ctx.ensure_object(Session), path, dry_run)

    return create


def _create(session: Session, path: str, dry_run: bool) -> None:
    doc = files.read(path)
    if resources.kind_of(doc) == "Queue":
        message, rpc, what = resources.queue_from(doc), "/api.Submit/CreateQueue", "queue"
        failure = (
            f"[armadactl.CreateQueue] error creating queue {message.name}: "
            "create queue request failed"
        )
    else:
        message = resources.retry_policy_from(doc)
        rpc, what = "/api.RetryPolicyService/CreateRetryPolicy", "retry policy"
        failure = f"error creating retry policy {message.name}: create retry policy request failed"
    if dry_run:
        return
    session.call(
        lambda api: call_or_fail(lambda: api.unary(rpc, message), failure, f"create {what}")
    )
    click.echo(f"Created {what} {message.name}")
