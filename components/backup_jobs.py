"""What every backup schedule of one stack shares: where the jobs run and what they run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stacks.backup_cadence import check_rpo


@dataclass(frozen=True)
class BackupJobs:
    environment: str
    """The first part of every backup prefix and the Environment dimension of the age metric."""
    region: str
    """Where the bucket and the alarm live; the jobs' boto3 is pointed there."""
    namespace: str
    """The namespace the jobs run in (and their ServiceAccounts, Secrets and ConfigMaps)."""
    oidc_provider_arn: str
    """The cluster's IAM OIDC provider: each job's role trusts only its ServiceAccount."""
    ops_image: str
    """The operator tools image, pinned by digest."""
    rpo_minutes: int
    name_prefix: str
    """Alarm names start with it, like ``mcp-fleet-prod``."""
    labels: Mapping[str, str]
    """The fleet's Kubernetes labels, on the namespace and every job object."""
    tags: Mapping[str, str]
    """The fleet's AWS tags, on every role and alarm."""

    def __post_init__(self) -> None:
        if "@sha256:" not in self.ops_image:
            raise ValueError(
                f"BackupJobs: ops_image {self.ops_image!r} is not pinned; use REPO@sha256:DIGEST"
            )
        check_rpo(self.rpo_minutes)

    def prefix(self, dependency: str) -> str:
        """``<environment>/<dependency>``: the only part of the bucket a dependency may write."""
        return f"{self.environment}/{dependency}"
