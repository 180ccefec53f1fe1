"""Which signing keys a stack trusts: named in the policy config, never by the resource."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import signatures
from .rule_config import pack_path


class TrustConfigError(Exception):
    """The policy config names keys that can't be loaded; reported, never crashed on."""


def key_ring(
    config: Mapping[str, Any], *, ids: str, directory: str, inline: str
) -> signatures.KeyRing:
    """The keys a policy trusts: ``ids`` looked up in ``directory``, plus ``inline`` PEMs.

    A key id listed but not found is an error: a stack that means to trust a key and can't
    load it must hear about it, not silently trust nothing.
    """
    trusted_ids = [str(item) for item in config.get(ids) or []]
    folder = pack_path(str(config.get(directory) or "."))
    try:
        inline_keys = signatures.KeyRing.from_pems(dict(config.get(inline) or {}))
        found = signatures.KeyRing.from_directory(folder)
    except signatures.SignatureProblem as error:
        raise TrustConfigError(f"policy config: {error}") from None
    missing = [key for key in trusted_ids if key not in found and key not in inline_keys]
    if missing:
        raise TrustConfigError(
            f"policy config: {ids} lists {', '.join(missing)} but no such key is in "
            f"{folder} (files are named <key-id>.pem)"
        )
    return found.restricted_to(trusted_ids).merged(inline_keys)


def _key_ids(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
        "default": [],
        "description": description,
    }


TRUST_SCHEMA: dict[str, dict[str, Any]] = {
    "trustedKeyIds": _key_ids(
        "Approver key ids this stack trusts (files <key-id>.pem in keysDir)."
    ),
    "keysDir": {
        "type": "string",
        "default": "../catalog/keys",
        "description": "Directory of approver public keys, relative to the policy pack.",
    },
    "trustedKeys": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "default": {},
        "description": "More trusted approver keys inline: {key id: PEM public key}.",
    },
}
"""The approver-trust properties of every policy that reads the signed catalog entry."""

PUBLISHER_TRUST_SCHEMA: dict[str, dict[str, Any]] = {
    "trustedPublisherKeyIds": _key_ids("Publisher key ids trusted for image signatures."),
    "publisherKeysDir": {
        "type": "string",
        "default": "../catalog/keys/publishers",
        "description": "Directory of publisher public keys, relative to the policy pack.",
    },
    "trustedPublisherKeys": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "default": {},
        "description": "More trusted publisher keys inline: {key id: PEM public key}.",
    },
}


def approver_keys(config: Mapping[str, Any]) -> signatures.KeyRing:
    return key_ring(config, ids="trustedKeyIds", directory="keysDir", inline="trustedKeys")


def publisher_keys(config: Mapping[str, Any]) -> signatures.KeyRing:
    return key_ring(
        config,
        ids="trustedPublisherKeyIds",
        directory="publisherKeysDir",
        inline="trustedPublisherKeys",
    )
