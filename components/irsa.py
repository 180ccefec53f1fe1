"""IAM roles for service accounts: the one trust policy every in-cluster AWS caller uses."""

from __future__ import annotations

import json

STS_AUDIENCE = "sts.amazonaws.com"


def oidc_issuer(provider_arn: str) -> str:
    """``arn:aws:iam::1:oidc-provider/oidc.eks.R.amazonaws.com/id/X`` -> ``oidc.eks.R.../id/X``.

    IAM names the OIDC condition keys after the issuer host and path, which is exactly the
    part of the provider ARN after ``oidc-provider/``.
    """
    marker = ":oidc-provider/"
    if marker not in provider_arn:
        raise ValueError(f"{provider_arn!r} is not an IAM OIDC provider ARN")
    return provider_arn.split(marker, 1)[1]


def service_account_subject(namespace: str, service_account: str) -> str:
    return f"system:serviceaccount:{namespace}:{service_account}"


def irsa_trust_policy(provider_arn: str, namespace: str, service_account: str) -> str:
    """Only this one ServiceAccount's projected token, minted for STS, may assume the role."""
    issuer = oidc_issuer(provider_arn)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ServiceAccountOnly",
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            f"{issuer}:sub": service_account_subject(namespace, service_account),
                            f"{issuer}:aud": STS_AUDIENCE,
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )
