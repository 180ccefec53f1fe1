"""A real, tiny CrossGuard pack written to a temporary directory, and a hand-made stack.

The pack reports what it was given (as JSON in its messages), so the tests can check the
analyzer conversation itself: how the pack was launched, what Analyze and AnalyzeStack
carried, how config and enforcement levels arrived, and how diagnostics are attributed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from review.render import RenderedStack

PROJECT = "proj"
STACK = "test"
ROOT_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack::{PROJECT}-{STACK}"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
SIG_KEY = "4dabf18193072939515e22adb298388d"

MANIFEST = """\
name: tiny
version: 1.2.3
runtime:
  name: python
  options:
    virtualenv: venv
"""

PACK = """\
import json
import os

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyPack,
    ResourceValidationPolicy,
    StackValidationPolicy,
)


def digest_images(args, report):
    if args.resource_type != "kubernetes:apps/v1:Deployment":
        return
    allowed = args.get_config().get("allowedImages", [])
    for container in args.props["spec"]["template"]["spec"]["containers"]:
        image = container["image"]
        if "@sha256:" not in image and image not in allowed:
            report(f"{image} is pinned by tag")


def probe(args, report):
    provider = args.provider
    report(json.dumps({
        "type": args.resource_type,
        "name": args.name,
        "urn": args.urn,
        "props": sorted(args.props),
        "secret": args.props.get("token"),
        "parent": args.opts.parent,
        "protect": args.opts.protect,
        "ignore_changes": list(args.opts.ignore_changes),
        "provider": None if provider is None else {
            "type": provider.resource_type,
            "urn": provider.urn,
            "name": provider.name,
            "props": dict(provider.props),
        },
        "config": dict(args.get_config()),
        "stack_tags": dict(args.stack_tags),
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "env": {k: os.environ.get(k) for k in
                ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN", "PULUMI_ORGANIZATION")},
        "pulumi_config": json.loads(os.environ.get("PULUMI_CONFIG", "{}")),
    }))


def stack_probe(args, report):
    report(json.dumps([
        {
            "type": r.resource_type,
            "name": r.name,
            "urn": r.urn,
            "props": sorted(r.props),
            "parent": r.parent.urn if r.parent is not None else None,
            "dependencies": [d.urn for d in r.dependencies],
            "provider": r.provider.name if r.provider is not None else None,
        }
        for r in args.resources
    ]))
    named = [r for r in args.resources if r.name == "web-deployment"]
    if named:
        report("about the deployment", named[0].urn)
    report("about a resource this stack does not have", "urn:pulumi:test::proj::x:y:Z::gone")


def always(args, report):
    report("always violated")


PolicyPack(
    name="tiny",
    policies=[
        ResourceValidationPolicy(
            name="digest-images",
            description="Images are pinned by digest.",
            validate=digest_images,
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(
                properties={
                    "allowedImages": {"type": "array", "items": {"type": "string"}, "default": []},
                    "maxContainers": {"type": "integer", "default": 3},
                }
            ),
        ),
        ResourceValidationPolicy(
            name="probe",
            description="Reports what it was given.",
            validate=probe,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
        StackValidationPolicy(
            name="stack-probe",
            description="Reports the stack it was given.",
            validate=stack_probe,
            enforcement_level=EnforcementLevel.ADVISORY,
        ),
        StackValidationPolicy(
            name="always-violated",
            description="Fails unless configured away.",
            validate=always,
            enforcement_level=EnforcementLevel.MANDATORY,
        ),
    ],
)
"""


def write_pack(directory: Path, main: str = PACK, manifest: str = MANIFEST) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "PulumiPolicy.yaml").write_text(manifest)
    (directory / "__main__.py").write_text(main)
    return directory


def _record(
    urn: str,
    type_: str,
    name: str,
    parent: str | None,
    *,
    custom: bool = True,
    wire: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    provider: str | None = None,
    version: str | None = None,
    dependencies: list[str] | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    wire = wire or {}
    return {
        "urn": urn,
        "type": type_,
        "name": name,
        "parent": parent,
        "custom": custom,
        "provider": provider,
        "version": version,
        "inputs": json.loads(json.dumps(wire)),
        "dependencies": dependencies or [],
        "options": {"protect": False, "ignoreChanges": [], **(options or {})},
        "propertyDependencies": {},
        "wire": wire,
        "outputs": outputs if outputs is not None else dict(wire),
        "id": None,
    }


def _urn(parent_types: str, type_: str, name: str) -> str:
    qualified = f"{parent_types}${type_}" if parent_types else type_
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


COMPONENT_URN = _urn("pulumi:pulumi:Stack", "app:index:Web", "web")
PROVIDER_URN = _urn("pulumi:pulumi:Stack$app:index:Web", "pulumi:providers:kubernetes", "k8s")
DEPLOYMENT_URN = _urn(
    "pulumi:pulumi:Stack$app:index:Web", "kubernetes:apps/v1:Deployment", "web-deployment"
)
BUCKET_URN = _urn("pulumi:pulumi:Stack", "aws:s3/bucket:Bucket", "logs")


def hand_made_stack(image: str = "nginx:1.27") -> RenderedStack:
    """A component with a Deployment on an explicit provider, and a bucket on the default."""
    deployment_wire = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
        "token": {SIG_KEY: SECRET_SIG, "value": "s3cr3t"},
    }
    resources = [
        _record(
            COMPONENT_URN,
            "app:index:Web",
            "web",
            ROOT_URN,
            custom=False,
            outputs={"endpoint": "web.example"},
        ),
        _record(
            PROVIDER_URN,
            "pulumi:providers:kubernetes",
            "k8s",
            COMPONENT_URN,
            wire={"namespace": "apps"},
            version="4.34.2",
        ),
        _record(
            DEPLOYMENT_URN,
            "kubernetes:apps/v1:Deployment",
            "web-deployment",
            COMPONENT_URN,
            wire=deployment_wire,
            outputs={**deployment_wire, "status": {"readyReplicas": 2}},
            provider=f"{PROVIDER_URN}::0f6a4b2c",
            version="4.34.2",
            dependencies=[PROVIDER_URN],
            options={"ignoreChanges": ["spec.replicas"], "protect": True},
        ),
        _record(
            BUCKET_URN,
            "aws:s3/bucket:Bucket",
            "logs",
            ROOT_URN,
            wire={"bucketPrefix": "logs-", "__defaults": ["bucket"]},
            outputs={"bucketPrefix": "logs-", "arn": "arn:aws:s3:::logs-1"},
            version="7.51.1",
        ),
    ]
    root = {"urn": ROOT_URN, "outputs": {"url": "https://web.example"}, "exports": {}}
    return RenderedStack(PROJECT, STACK, resources, root)
