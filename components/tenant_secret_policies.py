"""Names and IAM documents of a tenant's secrets: who may read and decrypt what.

Pure functions over plain strings, so the documents the component declares are the ones the
tests hand to a real IAM evaluator. Two independent locks hold the tenant boundary:

- each server's role may read only its own secrets (by exact name, AWS's six-character suffix
  matched with ``-??????``) and decrypt with its tenant's key only through Secrets Manager
  (``kms:ViaService``). Secrets Manager decrypts only a secret the caller may read, so this
  confines decryption to the server's own secrets; an extra ``kms:EncryptionContext:SecretARN``
  condition would repeat that and cannot be evaluated by the tests' IAM evaluator
  (docs/decisions/0004-secrets-delivery.md);
- the tenant's key policy denies decryption to any principal tagged with another tenant, so
  even a role whose own policy were too broad cannot open this tenant's secrets.
"""

from __future__ import annotations

import re
from typing import Any

from policy.contract import TENANT

SECRET_LEAF_PATTERN = r"^[A-Za-z0-9_+=.@-]{1,64}$"
"""Characters Secrets Manager allows in a name (``/`` separates the path we build)."""
AWS_SUFFIX_LOOKALIKE = r"-[A-Za-z0-9]{6}$"
"""Secrets Manager appends ``-XXXXXX`` to ARNs; a name ending like that confuses partial ARNs."""
MAX_SECRET_NAME = 512
MAX_ROLE_NAME = 64
READ_ACTIONS = ("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret")
DECRYPT_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*")
TENANT_PRINCIPAL_TAG = f"aws:PrincipalTag/{TENANT}"


def secret_name(stack: str, tenant: str, server: str, leaf: str) -> str:
    """``/prod/acme/search/config``: the stack, the tenant, the server, then what it is."""
    return f"/{stack}/{tenant}/{server}/{leaf}"


def secret_leaf_problems(leaf: str) -> list[str]:
    problems = []
    if not re.match(SECRET_LEAF_PATTERN, leaf):
        problems.append(f"secret {leaf!r}: use 1-64 of letters, digits and _+=.@-")
    elif re.search(AWS_SUFFIX_LOOKALIKE, leaf):
        problems.append(f"secret {leaf!r} ends like AWS's random ARN suffix (-XXXXXX); rename it")
    return problems


def secret_arn_pattern(partition: str, region: str, account: str, name: str) -> str:
    """The ARN of the secret called ``name``, whatever six characters AWS appended."""
    return f"arn:{partition}:secretsmanager:{region}:{account}:secret:{name}-??????"


def secrets_manager_endpoint(region: str) -> str:
    """The ``kms:ViaService`` value of a KMS call Secrets Manager makes in ``region``."""
    return f"secretsmanager.{region}.amazonaws.com"


def server_read_policy(secret_arn_patterns: list[str], key_arn: str, region: str) -> dict[str, Any]:
    """Read these secrets, and decrypt with the tenant key only while Secrets Manager opens them."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadOwnSecrets",
                "Effect": "Allow",
                "Action": list(READ_ACTIONS),
                "Resource": secret_arn_patterns,
            },
            {
                "Sid": "DecryptOwnSecretsThroughSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": secrets_manager_endpoint(region)}},
            },
        ],
    }


def other_tenants_denied_statement(tenant: str) -> dict[str, Any]:
    """Key policy: whoever carries another tenant's tag never decrypts with this key.

    Principals without the tenant tag (operators writing secret values, the account's
    administrators) are left to their IAM policies; every role this program creates for a
    workload carries the tag, so a workload of another tenant is always refused here.
    """
    return {
        "Sid": "OtherTenantsNeverDecrypt",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": list(DECRYPT_ACTIONS),
        "Resource": "*",
        "Condition": {
            "StringNotEquals": {TENANT_PRINCIPAL_TAG: tenant},
            "Null": {TENANT_PRINCIPAL_TAG: "false"},
        },
    }


def role_name(name_prefix: str, tenant: str, server: str) -> str:
    """``mcp-fleet-prod-acme-search``, shortened with a digest when IAM's 64 would not hold it."""
    import hashlib

    full = f"{name_prefix}-{tenant}-{server}"
    if len(full) <= MAX_ROLE_NAME:
        return full
    digest = hashlib.sha256(full.encode()).hexdigest()[:8]
    return f"{full[: MAX_ROLE_NAME - 9]}-{digest}"
