"""Digest-pinned images of the platform's own workloads (the gateway), beside the catalog.

Not catalog servers (no tenants, no SLO of their own), but held to the same rule: an image is
named by its digest, never by a tag, so what was reviewed is what runs.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError

from stacks.errors import SettingsError
from stacks.model_base import CamelModel, DigestImage, DnsLabel, Integer
from stacks.strict_yaml import read_yaml
from stacks.validation_message import describe_validation_error

PLATFORM_DIR = Path(__file__).resolve().parent / "platform"


class PlatformImage(CamelModel):
    name: DnsLabel = Field(description="the workload's name, like gateway")
    version: str = Field(min_length=1, description="the software's version, like 2.6.12")
    description: str
    image: DigestImage = Field(description="the image pinned by digest (repo@sha256:64 hex)")
    run_as_user: Integer = Field(
        ge=1, le=2_147_483_647, description="the image's non-root uid, like 99"
    )


def load_platform_image(name: str, directory: Path = PLATFORM_DIR) -> PlatformImage:
    """``directory/NAME.yaml``; any mistake is one SettingsError naming the file and key."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise SettingsError(f"{path}: missing; pin the {name} image by digest in this file")
    document = read_yaml(path)
    try:
        image = PlatformImage.model_validate(document)
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error, str(path), PlatformImage)) from None
    if image.name != name:
        raise SettingsError(f"{path}: name: {image.name!r} should be {name!r}, as the file is")
    return image
