"""create/update/delete/get retry-policy, get retry-policies (spec §5.5).

Against a server without `api.RetryPolicyService` they say "not supported by this server".
"""

from __future__ import annotations

import click

from armada_cli import files, output, resources
from armada_cli.bulk import call_or_fail
from armada_cli.fetch import request
from armada_cli.session import Session, pass_session

SERVICE = "/api.RetryPolicyService/"


def _from_file(session: Session, path: str, verb: str) -> None:
    """`create` or `update` the policy of a file."""
    policy = resources.retry_policy_from(files.read(path))
    failure = f"error {verb[:-1]}ing retry policy {policy.name}: {verb} retry policy request failed"
    rpc = SERVICE + verb.capitalize() + "RetryPolicy"
    session.call(
        lambda api: call_or_fail(lambda: api.unary(rpc, policy), failure, f"{verb} retry-policy")
    )
    click.echo(f"{verb.capitalize()}d retry policy {policy.name}")


def _policy_yaml(policy: dict[str, object]) -> str:
    return output.header("RetryPolicy") + output.to_yaml(policy)


def register(
    create: click.Group, update: click.Group, delete: click.Group, get: click.Group
) -> None:
    @create.command("retry-policy")
    @click.option("-f", "--file", "path", required=True, help="Path to a RetryPolicy file.")
    @pass_session
    def create_policy(session: Session, path: str) -> None:
        """Create a retry policy from a file."""
        _from_file(session, path, "create")

    @update.command("retry-policy")
    @click.option("-f", "--file", "path", required=True, help="Path to a RetryPolicy file.")
    @pass_session
    def update_policy(session: Session, path: str) -> None:
        """Replace a retry policy from a file."""
        _from_file(session, path, "update")

    @delete.command("retry-policy")
    @click.argument("name", metavar="<name>")
    @pass_session
    def delete_policy(session: Session, name: str) -> None:
        """Delete a retry policy."""
        message = request("api.RetryPolicyDeleteRequest", {"name": name})
        session.call(
            lambda api: call_or_fail(
                lambda: api.unary(SERVICE + "DeleteRetryPolicy", message),
                f"error deleting retry policy {name}",
                "delete retry-policy",
            )
        )
        click.echo(f"Deleted retry policy {name} (or it did not exist)")

    @get.command("retry-policy")
    @click.argument("name", metavar="<name>")
    @pass_session
    def get_policy(session: Session, name: str) -> None:
        """Print a retry policy as YAML (valid input for create)."""
        message = request("api.RetryPolicyGetRequest", {"name": name})
        policy = session.call(
            lambda api: call_or_fail(
                lambda: api.unary(SERVICE + "GetRetryPolicy", message),
                f"error getting retry policy {name}",
                "get retry-policy",
            )
        )
        click.echo(_policy_yaml(output.go_json(policy)), nl=False)

    @get.command("retry-policies")
    @pass_session
    def get_policies(session: Session) -> None:
        """Print every retry policy as one YAML document."""
        message = request("api.RetryPolicyListRequest", {})
        reply = session.call(
            lambda api: call_or_fail(
                lambda: api.unary(SERVICE + "GetRetryPolicies", message),
                "error getting retry policies",
                "get retry-policies",
            )
        )
        policies = [output.go_json(p) for p in reply.retry_policies]
        click.echo(_policy_yaml({"retryPolicies": policies}), nl=False)
