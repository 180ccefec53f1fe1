"""BackupBucket under mocks, per stack: encryption, policy, lock, lifecycle, replication."""

from __future__ import annotations

import pytest

from components.labels import REQUIRED_KEYS
from tests.backups.rendered_backups import (
    ALIAS,
    BUCKET,
    ENCRYPTION,
    KEY,
    LIFECYCLE,
    OBJECT_LOCK,
    OWNERSHIP,
    POLICY,
    PRIMARY,
    PUBLIC_ACCESS,
    REPLICA,
    REPLICATION,
    ROLE,
    ROLE_POLICY,
    STACKS,
    VERSIONING,
    actions,
    args_of,
    bucket_arn,
    built,
    document,
    key_arn,
    of_bucket,
    owned,
    statements,
    the_bucket,
)

RETENTION = {"dev": 7, "staging": 14, "prod": 30}
BUCKETS = {"dev": [PRIMARY], "staging": [PRIMARY], "prod": [PRIMARY, REPLICA]}
BUCKET_CONFIGURATION = [ENCRYPTION, PUBLIC_ACCESS, OWNERSHIP, VERSIONING, LIFECYCLE, POLICY]


def cases() -> list[tuple[str, str]]:
    return [(stack, bucket) for stack in STACKS for bucket in BUCKETS[stack]]


@pytest.mark.parametrize(("stack", "bucket"), cases())
def test_bucket_is_encrypted_with_its_own_rotating_key_and_bucket_keys(
    stack: str, bucket: str
) -> None:
    result = built(stack)
    key = result.named(f"{bucket}-key")
    assert key["inputs"]["enableKeyRotation"] is True
    (rule,) = of_bucket(result, ENCRYPTION, bucket)["inputs"]["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms",
        "kmsMasterKeyId": key_arn(result, bucket),
    }
    assert rule["bucketKeyEnabled"] is True
    (alias,) = [a for a in owned(result, ALIAS) if a["name"] == f"{bucket}-key-alias"]
    assert alias["inputs"]["targetKeyId"] == key["outputs"]["keyId"]


def test_primary_and_replica_keys_are_distinct() -> None:
    result = built("prod")
    assert key_arn(result, PRIMARY) != key_arn(result, REPLICA)
    assert ":eu-central-1:" in key_arn(result, REPLICA)


@pytest.mark.parametrize(("stack", "bucket"), cases())
def test_bucket_is_private_owner_enforced_and_versioned(stack: str, bucket: str) -> None:
    result = built(stack)
    block = of_bucket(result, PUBLIC_ACCESS, bucket)["inputs"]
    for setting in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block[setting] is True, setting
    ownership = of_bucket(result, OWNERSHIP, bucket)["inputs"]["rule"]
    assert ownership == {"objectOwnership": "BucketOwnerEnforced"}
    versioning = of_bucket(result, VERSIONING, bucket)["inputs"]["versioningConfiguration"]
    assert versioning == {"status": "Enabled"}


@pytest.mark.parametrize(("stack", "bucket"), cases())
def test_every_configuration_targets_its_bucket(stack: str, bucket: str) -> None:
    result = built(stack)
    name = the_bucket(result, bucket)["outputs"]["bucket"]
    for type_token in BUCKET_CONFIGURATION:
        assert of_bucket(result, type_token, bucket)["inputs"]["bucket"] == name, type_token


@pytest.mark.parametrize(("stack", "bucket"), cases())
def test_policy_denies_plain_http_old_tls_and_foreign_encryption(stack: str, bucket: str) -> None:
    result = built(stack)
    policy = of_bucket(result, POLICY, bucket)
    found = statements(policy)
    arn = bucket_arn(result, bucket)
    everything = [arn, f"{arn}/*"]
    assert document(policy)["Version"] == "2012-10-17"
    assert set(found) == {
        "DenyInsecureTransport",
        "DenyTlsBelow12",
        "DenyUploadsNotSseKms",
        "DenyUploadsUnderAnotherKey",
        "DenyCustomerProvidedKeys",
    }
    for statement in found.values():
        assert statement["Effect"] == "Deny", "the bucket policy only ever narrows"
        assert statement["Principal"] == "*"

    assert found["DenyInsecureTransport"]["Action"] == "s3:*"
    assert found["DenyInsecureTransport"]["Resource"] == everything
    assert found["DenyInsecureTransport"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert found["DenyTlsBelow12"]["Resource"] == everything
    assert found["DenyTlsBelow12"]["Condition"] == {"NumericLessThan": {"s3:TlsVersion": "1.2"}}

    sse = "s3:x-amz-server-side-encryption"
    not_kms = found["DenyUploadsNotSseKms"]
    assert (not_kms["Action"], not_kms["Resource"]) == ("s3:PutObject", [f"{arn}/*"])
    assert not_kms["Condition"] == {
        "Null": {sse: "false"},
        "StringNotEquals": {sse: "aws:kms"},
    }
    key_id = f"{sse}-aws-kms-key-id"
    other_key = found["DenyUploadsUnderAnotherKey"]
    assert (other_key["Action"], other_key["Resource"]) == ("s3:PutObject", [f"{arn}/*"])
    assert other_key["Condition"] == {
        "Null": {key_id: "false"},
        "StringNotEquals": {key_id: key_arn(result, bucket)},
    }
    assert found["DenyCustomerProvidedKeys"]["Condition"] == {
        "Null": {f"{sse}-customer-algorithm": "false"}
    }


@pytest.mark.parametrize(("stack", "bucket"), cases())
def test_policy_goes_on_after_the_public_access_block(stack: str, bucket: str) -> None:
    result = built(stack)
    policy = of_bucket(result, POLICY, bucket)
    assert of_bucket(result, PUBLIC_ACCESS, bucket)["urn"] in policy["dependencies"]


@pytest.mark.parametrize("stack", STACKS)
def test_object_lock_in_governance_mode_only_where_the_stack_asks(stack: str) -> None:
    result = built(stack)
    locked = args_of(stack).bucket.object_lock
    assert locked is (stack == "prod")
    for bucket in BUCKETS[stack]:
        assert the_bucket(result, bucket)["inputs"].get("objectLockEnabled", False) is locked
    locks = owned(result, OBJECT_LOCK)
    if not locked:
        assert locks == []
        return
    assert len(locks) == len(BUCKETS[stack]), "the replica is locked like the primary"
    for bucket in BUCKETS[stack]:
        lock = of_bucket(result, OBJECT_LOCK, bucket)
        assert lock["inputs"]["rule"] == {
            "defaultRetention": {"mode": "GOVERNANCE", "days": RETENTION[stack]}
        }
        assert of_bucket(result, VERSIONING, bucket)["urn"] in lock["dependencies"]


@pytest.mark.parametrize(("stack", "bucket"), cases())
def test_lifecycle_expires_after_the_stack_retention_and_cleans_up(stack: str, bucket: str) -> None:
    result = built(stack)
    lifecycle = of_bucket(result, LIFECYCLE, bucket)
    rules = {rule["id"]: rule for rule in lifecycle["inputs"]["rules"]}
    everything = {"prefix": ""}
    assert rules == {
        "expire-backups": {
            "id": "expire-backups",
            "status": "Enabled",
            "filter": everything,
            "expiration": {"days": RETENTION[stack]},
            "noncurrentVersionExpiration": {"noncurrentDays": 3},
        },
        "abort-incomplete-uploads": {
            "id": "abort-incomplete-uploads",
            "status": "Enabled",
            "filter": everything,
            "abortIncompleteMultipartUpload": {"daysAfterInitiation": 1},
        },
        "remove-expired-delete-markers": {
            "id": "remove-expired-delete-markers",
            "status": "Enabled",
            "filter": everything,
            "expiration": {"expiredObjectDeleteMarker": True},
        },
    }, "no stack keeps backups long enough for a colder class to pay"
    assert of_bucket(result, VERSIONING, bucket)["urn"] in lifecycle["dependencies"]


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_no_replica_without_a_replica_region(stack: str) -> None:
    result = built(stack)
    assert args_of(stack).bucket.replica_region is None
    assert [b["name"] for b in owned(result, BUCKET)] == [PRIMARY]
    assert owned(result, REPLICATION) == []
    assert len(owned(result, KEY)) == 1


def test_replica_is_hardened_the_same_way_in_the_replica_region() -> None:
    result = built("prod")
    assert the_bucket(result, REPLICA)["inputs"]["region"] == "eu-central-1"
    assert result.named(f"{REPLICA}-key")["inputs"]["region"] == "eu-central-1"
    for type_token in [*BUCKET_CONFIGURATION, OBJECT_LOCK]:
        assert of_bucket(result, type_token, REPLICA)["inputs"]["region"] == "eu-central-1"
        primary = of_bucket(result, type_token, PRIMARY)["inputs"]
        assert "region" not in primary, "the primary stays on the provider's region"


def test_replication_copies_every_backup_under_the_replica_key_without_delete_markers() -> None:
    result = built("prod")
    (replication,) = owned(result, REPLICATION)
    inputs = replication["inputs"]
    assert inputs["bucket"] == the_bucket(result, PRIMARY)["outputs"]["bucket"]
    assert "region" not in inputs, "replication is configured on the source bucket"
    (rule,) = inputs["rules"]
    assert rule["status"] == "Enabled"
    assert rule["filter"] == {"prefix": ""}
    assert rule["deleteMarkerReplication"] == {"status": "Disabled"}
    assert rule["sourceSelectionCriteria"] == {"sseKmsEncryptedObjects": {"status": "Enabled"}}
    assert rule["destination"] == {
        "bucket": bucket_arn(result, REPLICA),
        "encryptionConfiguration": {"replicaKmsKeyId": key_arn(result, REPLICA)},
    }
    for versioning in (of_bucket(result, VERSIONING, b) for b in (PRIMARY, REPLICA)):
        assert versioning["urn"] in replication["dependencies"]


def test_replication_role_may_only_replicate() -> None:
    result = built("prod")
    (role,) = [r for r in owned(result, ROLE) if r["name"] == "mcp-backups-bucket-replication-role"]
    (trust,) = document(role, "assumeRolePolicy")["Statement"]
    assert trust["Principal"] == {"Service": "s3.amazonaws.com"}
    assert trust["Action"] == "sts:AssumeRole"
    (replication,) = owned(result, REPLICATION)
    assert replication["inputs"]["role"] == role["outputs"]["arn"]

    (policy,) = [
        p
        for p in owned(result, ROLE_POLICY)
        if p["name"] == "mcp-backups-bucket-replication-policy"
    ]
    found = statements(policy)
    primary, replica = bucket_arn(result, PRIMARY), bucket_arn(result, REPLICA)
    assert found["ReadSourceVersions"]["Resource"] == f"{primary}/*"
    assert "s3:GetObjectRetention" in found["ReadSourceVersions"]["Action"]
    assert found["WriteReplicas"] == {
        "Sid": "WriteReplicas",
        "Effect": "Allow",
        "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
        "Resource": f"{replica}/*",
    }
    assert found["DecryptSource"]["Resource"] == key_arn(result, PRIMARY)
    assert found["DecryptSource"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}
    }
    assert found["EncryptReplicas"]["Resource"] == key_arn(result, REPLICA)
    assert found["EncryptReplicas"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}
    }
    every_action = [action for statement in found.values() for action in actions(statement)]
    assert not [a for a in every_action if "Delete" in a or a.endswith("*")]


PROTECTION = {"dev": (False, False), "staging": (True, False), "prod": (True, True)}


@pytest.mark.parametrize("stack", STACKS)
def test_buckets_and_keys_are_protected_outside_dev(stack: str) -> None:
    result = built(stack)
    stateful = owned(result, BUCKET) + owned(result, KEY)
    assert len(stateful) == 2 * len(BUCKETS[stack])
    for resource in stateful:
        options = resource["options"]
        assert (options["protect"], options["retainOnDelete"]) == PROTECTION[stack], resource[
            "name"
        ]
    for bucket in owned(result, BUCKET):
        assert bucket["inputs"]["forceDestroy"] is (stack == "dev")
    for key in owned(result, KEY):
        assert key["inputs"]["deletionWindowInDays"] == (7 if stack == "dev" else 30)


@pytest.mark.parametrize("stack", STACKS)
def test_every_taggable_backup_resource_carries_the_standard_tags(stack: str) -> None:
    result = built(stack)
    taggable = [r for t in (BUCKET, KEY, ROLE) for r in owned(result, t)]
    assert taggable
    for resource in taggable:
        tags = resource["inputs"]["tags"]
        assert set(REQUIRED_KEYS) <= set(tags), resource["name"]
        assert tags["mcp-fleet.io/environment"] == stack
