"""Athena over the audit archive: a Glue table with partition projection and a workgroup.

The table reads the archive as it is written (docs/audit.md): gzip'd JSON Lines under
``<prefix>/YYYY/MM/DD/``, one sealed record per line, through the OpenX JSON SerDe (Athena
decompresses ``.gz`` by itself). Partition projection computes the day partitions from the
key layout, so no crawler runs and no partition is ever added by hand.

Query results go to a bucket of their own, not to the archive: the archive's default
retention would lock every result file for years. The results bucket is encrypted with the
audit key (results hold audit records) and expires results after a few weeks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.audit_bucket_policy import results_bucket_policy
from components.bucket_baseline import bucket_baseline, remove_expired_delete_markers

PARTITION = "dt"
COLUMNS = (
    ("timestamp", "string"),
    ("event_type", "string"),
    ("user", "string"),
    ("action", "string"),
    ("resource", "string"),
    ("result", "string"),
    ("ip_address", "string"),
    ("user_agent", "string"),
    ("tenant", "string"),
    ("reason", "string"),
    ("trace_id", "string"),
    ("details", "map<string,string>"),
    ("sequence", "bigint"),
    ("prev_hash", "string"),
    ("hash", "string"),
)
"""The record's fields in docs/audit.md order; ``details`` values read as text."""
JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


@dataclass(frozen=True)
class AuditSearch:
    database: aws.glue.CatalogDatabase
    table: aws.glue.CatalogTable
    workgroup: aws.athena.Workgroup
    results_bucket: aws.s3.Bucket


def glue_name(name_prefix: str) -> str:
    """Glue and Athena names take lowercase letters, digits and underscores only."""
    return name_prefix.lower().replace("-", "_") + "_audit"


def projection_parameters(
    archive_location: pulumi.Input[str], first_day: str
) -> dict[str, pulumi.Input[str]]:
    """Partition projection: one ``dt`` per day from ``first_day`` (``YYYY/MM/DD``) to now."""
    return {
        "classification": "json",
        "projection.enabled": "true",
        f"projection.{PARTITION}.type": "date",
        f"projection.{PARTITION}.format": "yyyy/MM/dd",
        f"projection.{PARTITION}.range": f"{first_day},NOW",
        f"projection.{PARTITION}.interval": "1",
        f"projection.{PARTITION}.interval.unit": "DAYS",
        "storage.location.template": pulumi.Output.concat(archive_location, "${", PARTITION, "}/"),
    }


def _table(
    name: str,
    database: aws.glue.CatalogDatabase,
    archive_location: pulumi.Input[str],
    first_day: str,
    opts: pulumi.ResourceOptions,
) -> aws.glue.CatalogTable:
    return aws.glue.CatalogTable(
        f"{name}-table",
        name="records",
        database_name=database.name,
        description="Sealed audit records (docs/audit.md), one per line, by day",
        table_type="EXTERNAL_TABLE",
        parameters=projection_parameters(archive_location, first_day),
        partition_keys=[aws.glue.CatalogTablePartitionKeyArgs(name=PARTITION, type="string")],
        storage_descriptor=aws.glue.CatalogTableStorageDescriptorArgs(
            location=archive_location,
            input_format=TEXT_INPUT,
            output_format=TEXT_OUTPUT,
            compressed=True,
            ser_de_info=aws.glue.CatalogTableStorageDescriptorSerDeInfoArgs(
                serialization_library=JSON_SERDE,
                # A damaged line fails the query instead of vanishing from the answer.
                parameters={"ignore.malformed.json": "false"},
            ),
            columns=[
                aws.glue.CatalogTableStorageDescriptorColumnArgs(name=column, type=kind)
                for column, kind in COLUMNS
            ],
        ),
        opts=opts,
    )


def _results_bucket(
    name: str,
    name_prefix: str,
    key_arn: pulumi.Input[str],
    results_days: int,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> aws.s3.Bucket:
    bucket = aws.s3.Bucket(
        f"{name}-results",
        bucket_prefix=f"{name_prefix}-audit-results-",
        force_destroy=True,
        tags=dict(tags),
        opts=opts,
    )
    baseline = bucket_baseline(f"{name}-results", bucket.id, opts)
    aws.s3.BucketServerSideEncryptionConfiguration(
        f"{name}-results-encryption",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="aws:kms", kms_master_key_id=key_arn
                ),
                bucket_key_enabled=True,
            )
        ],
        opts=opts,
    )
    everything = aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix="")
    aws.s3.BucketLifecycleConfiguration(
        f"{name}-results-lifecycle",
        bucket=bucket.id,
        rules=[
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-query-results",
                status="Enabled",
                filter=everything,
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=results_days),
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=1
                ),
                abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                    days_after_initiation=1
                ),
            ),
            remove_expired_delete_markers(),
        ],
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=[baseline.versioning])
        ),
    )
    aws.s3.BucketPolicy(
        f"{name}-results-policy",
        bucket=bucket.id,
        policy=results_bucket_policy(bucket.arn),
        opts=pulumi.ResourceOptions.merge(
            opts, pulumi.ResourceOptions(depends_on=[baseline.public_access])
        ),
    )
    return bucket


def audit_search(
    name: str,
    *,
    name_prefix: str,
    archive_location: pulumi.Input[str],
    first_day: str,
    key_arn: pulumi.Input[str],
    results_days: int,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions,
) -> AuditSearch:
    """The Glue database and table over ``archive_location`` and the Athena workgroup."""
    database = aws.glue.CatalogDatabase(
        f"{name}-database",
        name=glue_name(name_prefix),
        description=f"{name_prefix} audit trail (docs/audit.md)",
        tags=dict(tags),
        opts=opts,
    )
    table = _table(name, database, archive_location, first_day, opts)
    results = _results_bucket(name, name_prefix, key_arn, results_days, tags, opts)
    workgroup = aws.athena.Workgroup(
        f"{name}-workgroup",
        name=f"{name_prefix}-audit",
        description="Queries over the audit archive; results encrypted with the audit key",
        configuration=aws.athena.WorkgroupConfigurationArgs(
            enforce_workgroup_configuration=True,
            publish_cloudwatch_metrics_enabled=True,
            result_configuration=aws.athena.WorkgroupConfigurationResultConfigurationArgs(
                output_location=pulumi.Output.concat("s3://", results.id, "/athena-results/"),
                encryption_configuration=aws.athena.WorkgroupConfigurationResultConfigurationEncryptionConfigurationArgs(
                    encryption_option="SSE_KMS", kms_key_arn=key_arn
                ),
            ),
        ),
        force_destroy=False,
        tags=dict(tags),
        opts=opts,
    )
    return AuditSearch(database=database, table=table, workgroup=workgroup, results_bucket=results)
