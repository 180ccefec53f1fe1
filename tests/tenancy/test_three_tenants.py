"""Three tenants built from their settings, every isolation dimension checked across them.

The program here is what Platform will do per tenant: TenantNamespace, TenantKey,
TenantSecrets and TenantObservability from a ``TenantSettings`` and its planned servers.
Every resource of tenant X must point only at X's namespace, key, topic and secret path,
and the IAM evaluator decides the full matrix: each server's role against every secret.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

from components.tenant_key import TenantKey, TenantKeyArgs, tenant_log_group_name
from components.tenant_namespace import TenantNamespace, TenantNamespaceArgs
from components.tenant_observability import TenantObservability, TenantObservabilityArgs
from components.tenant_secrets import ServerSecrets, TenantSecrets, TenantSecretsArgs
from policy.contract import SERVER, TENANT
from stacks.errors import SettingsError
from stacks.tenant_settings import TenantSettings, check_quota_fits
from tests.tenancy.iam_simulator import ALLOWED, IMPLICITLY_DENIED, Request, decide
from tests.tenancy.mocks import ACCOUNT, REGION, RecordingMocks, render
from tests.tenancy.rendered_secrets import OIDC
from tests.tenancy.tenants import Workload, tenant, workload

PREFIX = "mcp-fleet-prod"
SERVERS = {"acme": ("search", "mail"), "globex": ("crm",), "initech": ("tps", "reports")}
NAMESPACES = frozenset(f"mcp-{name}" for name in SERVERS)


def build_tenant(settings: TenantSettings, servers: list[Workload], cluster: k8s.Provider) -> None:
    check_quota_fits(settings, servers)
    name, namespace = settings.name, settings.namespace
    tags = {TENANT: name, SERVER: "fleet"}
    k8s_opts = pulumi.ResourceOptions(providers={"kubernetes": cluster})
    TenantNamespace(
        f"{name}-namespace",
        TenantNamespaceArgs(
            tenant=name,
            namespace=namespace,
            labels={TENANT: name},
            quota=settings.quota,
            container_defaults=settings.container_defaults,
            tenant_namespaces=NAMESPACES,
        ),
        k8s_opts,
    )
    log_group = tenant_log_group_name(PREFIX, name)
    key = TenantKey(f"{name}-key", TenantKeyArgs(name, PREFIX, REGION, log_group, tags))
    TenantSecrets(
        f"{name}-secrets",
        TenantSecretsArgs(
            stack="prod",
            tenant=name,
            namespace=namespace,
            name_prefix=PREFIX,
            region=REGION,
            oidc_provider_arn=OIDC,
            servers=[
                ServerSecrets(
                    s.name, s.name, ("config", "credentials"), {TENANT: name, SERVER: s.name}
                )
                for s in servers
            ],
            key_arn=key.arn,
            labels={TENANT: name},
        ),
        k8s_opts,
    )
    TenantObservability(
        f"{name}-observability",
        TenantObservabilityArgs(
            tenant=name,
            name_prefix=PREFIX,
            project="mcp-fleet",
            stack="prod",
            environment="prod",
            region=REGION,
            cluster="fleet-prod",
            namespace=namespace,
            owner_email=settings.owner,
            key_arn=key.arn,
            log_group_name=log_group,
            log_retention_days=settings.log_retention_days,
            monthly_budget_usd=settings.monthly_budget_usd,
            quota_pods=settings.quota.pods,
            tags=tags,
        ),
    )


@pytest.fixture
def three() -> RecordingMocks:
    def program() -> None:
        cluster = k8s.Provider("cluster", kubeconfig="{}")
        for name, servers in SERVERS.items():
            build_tenant(tenant(name), [workload(s, name, 40) for s in servers], cluster)

    return render(program)


def key_tenant(mocks: RecordingMocks) -> dict[str, str]:
    """Key ARN (as the mock answered it) -> the tenant whose key it is (from the key's tags)."""
    return {
        mocks.outputs[key["__name"]]["arn"]: key["tags"][TENANT]
        for key in mocks.of_type("aws:kms/key:Key")
    }


def test_each_tenant_has_its_own_key_and_every_encrypted_resource_uses_its_own(
    three: RecordingMocks,
) -> None:
    owners = key_tenant(three)
    assert sorted(owners.values()) == sorted(SERVERS)
    for typ, key_field, tenant_of in (
        ("aws:secretsmanager/secret:Secret", "kmsKeyId", lambda r: r["name"].split("/")[2]),
        ("aws:cloudwatch/logGroup:LogGroup", "kmsKeyId", lambda r: r["name"].rsplit("/", 1)[1]),
        ("aws:sns/topic:Topic", "kmsMasterKeyId", lambda r: r["tags"][TENANT]),
    ):
        resources = three.of_type(typ)
        assert resources
        for resource in resources:
            assert owners[resource[key_field]] == tenant_of(resource), (typ, resource["name"])


def test_alarms_and_budgets_reach_only_their_own_tenant(three: RecordingMocks) -> None:
    for alarm in three.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        name = alarm["tags"][TENANT]
        assert alarm["alarmActions"] == [f"arn:aws:sns:{REGION}:{ACCOUNT}:{PREFIX}-{name}-alerts"]
    for budget in three.of_type("aws:budgets/budget:Budget"):
        name = budget["name"].removeprefix(f"{PREFIX}-")
        assert budget["costFilters"][0]["values"] == [f"user:{TENANT}${name}"]
        for notification in budget["notifications"]:
            assert notification["subscriberEmailAddresses"] == [f"{name}-team@example.com"]


def test_kubernetes_objects_stay_in_their_namespace_and_name_only_their_secrets(
    three: RecordingMocks,
) -> None:
    for policy in three.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy"):
        own = policy["metadata"]["namespace"]
        peers = [
            peer
            for rule in [*policy["spec"].get("ingress", []), *policy["spec"].get("egress", [])]
            for peer in [*rule.get("from", []), *rule.get("to", [])]
        ]
        for peer in peers:
            selected = peer.get("namespaceSelector", {}).get("matchLabels", {})
            assert selected.get("kubernetes.io/metadata.name") not in NAMESPACES - {own}
    quotas = three.of_type("kubernetes:core/v1:ResourceQuota")
    assert sorted(q["metadata"]["namespace"] for q in quotas) == sorted(NAMESPACES)
    for spc in three.of_type("kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"):
        name = spc["metadata"]["namespace"].removeprefix("mcp-")
        objects = yaml.safe_load(spc["spec"]["parameters"]["objects"])
        assert all(o["objectName"].startswith(f"/prod/{name}/") for o in objects)


def test_roles_trust_only_their_namespace(three: RecordingMocks) -> None:
    for role in three.of_type("aws:iam/role:Role"):
        name, server = role["tags"][TENANT], role["tags"][SERVER]
        (statement,) = json.loads(role["assumeRolePolicy"])["Statement"]
        (subject,) = [
            v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")
        ]
        assert subject == f"system:serviceaccount:mcp-{name}:{server}"


def test_the_iam_matrix_allows_each_server_exactly_its_own_secrets(three: RecordingMocks) -> None:
    roles = {r["name"]: r for r in three.of_type("aws:iam/role:Role")}
    policies = {
        p["role"]: json.loads(p["policy"]) for p in three.of_type("aws:iam/rolePolicy:RolePolicy")
    }
    secrets = [s["name"] for s in three.of_type("aws:secretsmanager/secret:Secret")]
    cases: list[tuple[str, str, str]] = []
    requests: list[Request] = []
    for role_name, role in roles.items():
        for secret in secrets:
            expected = (
                ALLOWED
                if secret.startswith(f"/prod/{role['tags'][TENANT]}/{role['tags'][SERVER]}/")
                else IMPLICITLY_DENIED
            )
            cases.append((role_name, secret, expected))
            requests.append(
                Request(
                    principal=f"arn:aws:sts::{ACCOUNT}:assumed-role/{role_name}/pod",
                    action="secretsmanager:GetSecretValue",
                    resource=f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{secret}-a1B2c3",
                    account=ACCOUNT,
                    identity_policies={"read-own-secrets": policies[role_name]},
                    context={f"aws:PrincipalTag/{TENANT}": role["tags"][TENANT]},
                )
            )
    assert len(requests) == 5 * 10
    decisions = decide(requests)
    wrong = [
        (r, s, want, got) for (r, s, want), got in zip(cases, decisions, strict=True) if want != got
    ]
    assert wrong == []
    assert decisions.count(ALLOWED) == 10


def test_a_tenant_whose_plan_exceeds_its_quota_is_refused_before_anything_is_created() -> None:
    small = tenant("acme", quota={"cpuCores": 1, "memoryMib": 1024, "pods": 2, "services": 2})

    def program() -> None:
        cluster = k8s.Provider("cluster", kubeconfig="{}")
        build_tenant(small, [workload("search", "acme", 400)], cluster)

    with pytest.raises(SettingsError, match="tenant 'acme' cannot run its servers"):
        render(program)
