"""The AuditTrail's rendered inputs as the AWS API calls the provider makes from them.

Each converter names every input it knows and raises on any other, so a new setting cannot
pass the moto replay unexamined. ``keys`` maps the mocked KMS key ARN to moto's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

IGNORED = frozenset({"__name"})


def known(inputs: Mapping[str, Any], names: set[str]) -> None:
    unknown = set(inputs) - names - IGNORED
    if unknown:
        raise KeyError(f"no API mapping for input(s) {sorted(unknown)}")


def swap(text: str, keys: Mapping[str, str]) -> str:
    for mocked, real in keys.items():
        text = text.replace(mocked, real)
    return text


def tag_list(
    tags: Mapping[str, str], key: str = "Key", value: str = "Value"
) -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def lock_configuration(inputs: Mapping[str, Any]) -> dict[str, Any]:
    known(inputs, {"bucket", "objectLockEnabled", "rule"})
    retention = inputs["rule"]["defaultRetention"]
    default = {"Mode": retention["mode"]}
    default |= {"Days": retention["days"]} if "days" in retention else {}
    default |= {"Years": retention["years"]} if "years" in retention else {}
    return {
        "ObjectLockEnabled": inputs["objectLockEnabled"],
        "Rule": {"DefaultRetention": default},
    }


def lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    known(
        rule,
        {
            "id",
            "status",
            "filter",
            "transitions",
            "expiration",
            "noncurrentVersionExpiration",
            "abortIncompleteMultipartUpload",
        },
    )
    call: dict[str, Any] = {
        "ID": rule["id"],
        "Status": rule["status"],
        "Filter": {"Prefix": rule["filter"].get("prefix", "")},
    }
    if rule.get("transitions"):
        call["Transitions"] = [
            {"Days": t["days"], "StorageClass": t["storageClass"]} for t in rule["transitions"]
        ]
    expiration = rule.get("expiration") or {}
    if "days" in expiration:
        call["Expiration"] = {"Days": expiration["days"]}
    if expiration.get("expiredObjectDeleteMarker"):
        call["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    if rule.get("noncurrentVersionExpiration"):
        call["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["noncurrentVersionExpiration"]["noncurrentDays"]
        }
    if rule.get("abortIncompleteMultipartUpload"):
        call["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"]
        }
    return call


def encryption(inputs: Mapping[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    known(inputs, {"bucket", "rules"})
    (rule,) = inputs["rules"]
    default = rule["applyServerSideEncryptionByDefault"]
    return {
        "Rules": [
            {
                "ApplyServerSideEncryptionByDefault": {
                    "SSEAlgorithm": default["sseAlgorithm"],
                    "KMSMasterKeyID": keys[default["kmsMasterKeyId"]],
                },
                "BucketKeyEnabled": rule["bucketKeyEnabled"],
            }
        ]
    }


def create_trail(inputs: Mapping[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    known(
        inputs,
        {
            "name",
            "s3BucketName",
            "s3KeyPrefix",
            "isMultiRegionTrail",
            "includeGlobalServiceEvents",
            "enableLogFileValidation",
            "enableLogging",
            "kmsKeyId",
            "tags",
        },
    )
    return {
        "Name": inputs["name"],
        "S3BucketName": inputs["s3BucketName"],
        "S3KeyPrefix": inputs["s3KeyPrefix"],
        "IsMultiRegionTrail": inputs["isMultiRegionTrail"],
        "IncludeGlobalServiceEvents": inputs["includeGlobalServiceEvents"],
        "EnableLogFileValidation": inputs["enableLogFileValidation"],
        "KmsKeyId": keys[inputs["kmsKeyId"]],
        "TagsList": tag_list(inputs.get("tags") or {}),
    }


def put_query_definition(inputs: Mapping[str, Any]) -> dict[str, Any]:
    known(inputs, {"name", "logGroupNames", "queryString"})
    return {
        "name": inputs["name"],
        "logGroupNames": inputs["logGroupNames"],
        "queryString": inputs["queryString"],
    }


def glue_table(inputs: Mapping[str, Any]) -> dict[str, Any]:
    known(
        inputs,
        {
            "name",
            "databaseName",
            "description",
            "tableType",
            "parameters",
            "partitionKeys",
            "storageDescriptor",
        },
    )
    storage = inputs["storageDescriptor"]
    known(
        storage,
        {"location", "inputFormat", "outputFormat", "compressed", "serDeInfo", "columns"},
    )
    return {
        "DatabaseName": inputs["databaseName"],
        "TableInput": {
            "Name": inputs["name"],
            "Description": inputs["description"],
            "TableType": inputs["tableType"],
            "Parameters": inputs["parameters"],
            "PartitionKeys": [
                {"Name": k["name"], "Type": k["type"]} for k in inputs["partitionKeys"]
            ],
            "StorageDescriptor": {
                "Location": storage["location"],
                "InputFormat": storage["inputFormat"],
                "OutputFormat": storage["outputFormat"],
                "Compressed": storage["compressed"],
                "SerdeInfo": {
                    "SerializationLibrary": storage["serDeInfo"]["serializationLibrary"],
                    "Parameters": storage["serDeInfo"]["parameters"],
                },
                "Columns": [{"Name": c["name"], "Type": c["type"]} for c in storage["columns"]],
            },
        },
    }


def create_work_group(inputs: Mapping[str, Any], keys: Mapping[str, str]) -> dict[str, Any]:
    known(inputs, {"name", "description", "configuration", "forceDestroy", "tags"})
    configuration = inputs["configuration"]
    result = configuration["resultConfiguration"]
    return {
        "Name": inputs["name"],
        "Description": inputs["description"],
        "Configuration": {
            "EnforceWorkGroupConfiguration": configuration["enforceWorkgroupConfiguration"],
            "PublishCloudWatchMetricsEnabled": configuration["publishCloudwatchMetricsEnabled"],
            "ResultConfiguration": {
                "OutputLocation": result["outputLocation"],
                "EncryptionConfiguration": {
                    "EncryptionOption": result["encryptionConfiguration"]["encryptionOption"],
                    "KmsKey": keys[result["encryptionConfiguration"]["kmsKeyArn"]],
                },
            },
        },
        "Tags": tag_list(inputs.get("tags") or {}),
    }
