"""Lifecycle of backup objects: how long they live, where they live, what is cleaned up.

Backups are written once and never changed or deleted by the operator tools (``ops`` has no
delete permission), so the bucket's lifecycle rules are the only thing that ends a backup.

Expiry and versioning: on a versioned bucket, expiring a current object does not delete
it; S3 adds a delete marker and the backup becomes a noncurrent version. The noncurrent
rule removes it a few days later, and once no versions remain the marker is an "expired
object delete marker" that the last rule removes.

Expiry and Object Lock (prod): S3 never removes a locked version, not even by lifecycle.
The default retention equals the backup retention, so a backup's lock ends when it
expires; the delete marker hides it at that moment and the noncurrent rule deletes it on
the first lifecycle run after its lock has lapsed. A longer lock than the retention would
only delay that deletion, never lose a backup early.

Colder classes: every class below Standard bills a minimum storage duration. Moving a
backup there pays only if it stays long enough after the move; see ``colder_transition``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi_aws as aws

from components.bucket_baseline import remove_expired_delete_markers

HOT_DAYS = 30
"""Days a backup stays in S3 Standard before any transition.

Restores and drills overwhelmingly read the newest backups, and S3 refuses lifecycle
transitions to the infrequent-access classes before an object is 30 days old anyway.
"""


@dataclass(frozen=True)
class StorageClass:
    name: str
    minimum_storage_days: int
    """Days billed at least, even if the object is deleted or expires earlier."""


GLACIER_INSTANT_RETRIEVAL = StorageClass("GLACIER_IR", minimum_storage_days=90)
STANDARD_INFREQUENT_ACCESS = StorageClass("STANDARD_IA", minimum_storage_days=30)

COLDER_CLASSES = (GLACIER_INSTANT_RETRIEVAL, STANDARD_INFREQUENT_ACCESS)
"""Coldest first. Only classes with millisecond retrieval: a restore has an RTO of minutes,
and Glacier Flexible Retrieval or Deep Archive take hours to hand a backup back."""

NONCURRENT_VERSION_DAYS = 3
"""How long an expired (or, by mistake, overwritten) backup stays recoverable: a weekend."""
INCOMPLETE_UPLOAD_DAYS = 1
"""An interrupted backup's multipart parts are billed until aborted; ops aborts its own, this
catches a pod killed mid-upload."""


@dataclass(frozen=True)
class Transition:
    storage_class: str
    days: int


def colder_transition(retention_days: int) -> Transition | None:
    """The coldest class a backup kept ``retention_days`` should move to, after ``HOT_DAYS``.

    A move pays when the backup then stays in the colder class for at least that class's
    minimum storage duration; otherwise S3 bills the remainder of the minimum and the cheaper
    rate is eaten by charging for days the object no longer exists. So:

    - Standard-IA (30-day minimum) needs ``retention >= 30 + 30 = 60`` days;
    - Glacier Instant Retrieval (90-day minimum) needs ``retention >= 30 + 90 = 120`` days;
    - 30 days (prod) or less: no transition.
    """
    remaining = retention_days - HOT_DAYS
    for storage_class in COLDER_CLASSES:
        if remaining >= storage_class.minimum_storage_days:
            return Transition(storage_class.name, HOT_DAYS)
    return None


def lifecycle_rules(retention_days: int) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
    """Expire after the retention, maybe move colder first, and clean up what versioning leaves."""
    everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
    transition = colder_transition(retention_days)
    return [
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="expire-backups",
            status="Enabled",
            filter=everything,
            transitions=[
                aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                    storage_class=transition.storage_class, days=transition.days
                )
            ]
            if transition
            else None,
            expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=retention_days),
            noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                noncurrent_days=NONCURRENT_VERSION_DAYS
            ),
        ),
        aws.s3.BucketLifecycleConfigurationRuleArgs(
            id="abort-incomplete-uploads",
            status="Enabled",
            filter=everything,
            abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                days_after_initiation=INCOMPLETE_UPLOAD_DAYS
            ),
        ),
        remove_expired_delete_markers(),
    ]
