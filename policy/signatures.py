"""Catalog signatures: canonical JSON, key ids, approval and cosign image signature checks.

This module is the single definition of what a catalog signature means. The policy pack
imports it from beside itself (the CLI runs the pack from ``policy/`` in its own virtualenv
built from ``policy/requirements.txt``), and ``catalog/signing.py`` imports it to sign and
verify from the command line, so signer and verifier can never disagree. It depends on the
standard library, ``cryptography`` and ``rfc8785``.

Canonical JSON (what an approval signature covers)
--------------------------------------------------
The signed message is the UTF-8 encoding of the *canonical JSON* of the catalog entry's
YAML document as written, with its top-level ``signature`` key removed (the signature can't
sign itself). Everything else, including ``imageSignature``, is covered. Canonical JSON here
follows RFC 8785 (JSON Canonicalization Scheme), written by the ``rfc8785`` library:

- objects: members sorted by key as UTF-16 code units (RFC 8785 3.2.3), no whitespace;
- strings: JSON string escaping with only the mandatory escapes: ``\\"``, ``\\\\``,
  ``\\b \\f \\n \\r \\t``, other control characters below U+0020 as ``\\u00xx`` (lowercase
  hex); every other character, including non-ASCII, is written as itself in UTF-8;
- numbers: integers as plain decimal digits; other numbers as ECMAScript's
  ``Number.prototype.toString`` does (RFC 8785 3.2.2.3): ``99.0`` is ``99``, ``99.95`` is
  ``99.95``, ``1e-7`` is ``1e-7``, ``1e21`` is ``1e+21``; NaN and infinities are refused;
- ``true``, ``false``, ``null`` as themselves; arrays in their order (integers beyond
  2**53 are refused, as RFC 8785's I-JSON requires);
- YAML values JSON lacks: a date is its ISO 8601 text ``YYYY-MM-DD``; a timestamp is its
  ISO 8601 text, converted to UTC and written with a ``Z`` suffix when it carries a time zone
  (``2026-11-19T10:00:00Z``), as ``datetime.isoformat()`` writes it when it doesn't. Any
  other type (binary, sets) is refused.

So a YAML date and the same date as text in an annotation canonicalize identically: the pack
verifies the entry on a Deployment against the signature made over the YAML file.

Keys and signatures
-------------------
- Algorithms: ``ed25519`` (Ed25519, RFC 8032, over the message itself) and
  ``ecdsa-p256-sha256`` (ECDSA on P-256 with SHA-256, the signature DER-encoded as
  cosign and OpenSSL write it). The ``value`` of a signature is standard base64.
- Key id: the first 16 hex digits (lowercase) of the SHA-256 of the *raw public key bytes*:
  the 32-byte key for Ed25519 (RFC 8032 encoding), the 65-byte uncompressed SEC1 point
  ``04 || X || Y`` for P-256. Trusted keys are PEM (SubjectPublicKeyInfo) files named
  ``<key-id>.pem``; lines before ``-----BEGIN`` may name the holder: ``Approver: NAME`` or
  ``Publisher: NAME`` (RFC 7468 explanatory text).

Image signatures (cosign compatible)
------------------------------------
``imageSignature.payload`` is base64 of cosign's simple-signing JSON for the image digest::

    {"critical":{"identity":{"docker-reference":REPO},"image":{"docker-manifest-digest":
    "sha256:..."},"type":"cosign container image signature"},"optional":null}

and ``imageSignature.signature`` is base64 of the publisher's signature over the payload
bytes (ECDSA P-256 SHA-256, DER, as ``cosign sign --key`` makes; Ed25519 keys are accepted
too). ``publisherKeyId`` names the publisher key, a key id as above.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

SIGNATURE_FIELD = "signature"
IMAGE_SIGNATURE_FIELD = "imageSignature"
ED25519 = "ed25519"
ECDSA_P256_SHA256 = "ecdsa-p256-sha256"
ALGORITHMS = (ED25519, ECDSA_P256_SHA256)
COSIGN_SIGNATURE_TYPE = "cosign container image signature"

KEY_ID = re.compile(r"^[0-9a-f]{16}$")
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")

PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


# --- errors: each a distinct, explainable reason -------------------------------------------


class SignatureProblem(Exception):
    """A catalog entry or image signature that does not verify; the message says why."""

    reason = "invalid"


class UnsignedError(SignatureProblem):
    reason = "unsigned"


class UntrustedKeyError(SignatureProblem):
    reason = "untrusted-key"


class TamperedError(SignatureProblem):
    reason = "tampered"


class MalformedError(SignatureProblem):
    reason = "malformed"


# --- canonical JSON -------------------------------------------------------------------------


def _timestamp(value: dt.datetime) -> str:
    if value.tzinfo is None:
        return value.isoformat()
    text = value.astimezone(dt.UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"


def _json_value(value: Any, path: str) -> Any:
    """YAML's values as JSON's: dates and timestamps as ISO text; anything else refused."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return _timestamp(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise MalformedError(f"{path or '.'}: key {key!r} is not a string")
        return {key: _json_value(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise MalformedError(f"{path or '.'}: a {type(value).__name__} has no canonical JSON form")


def canonical_json(value: Any) -> str:
    """The RFC 8785 canonical JSON text of a JSON-like value (see the module docstring)."""
    try:
        return rfc8785.dumps(_json_value(value, "")).decode("utf-8")
    except rfc8785.FloatDomainError as error:
        raise ValueError(f"{error}: it has no JSON representation") from None
    except rfc8785.CanonicalizationError as error:
        raise MalformedError(f"no canonical JSON form: {error}") from None
    except UnicodeDecodeError as error:
        raise MalformedError(f"the entry holds text that is not valid Unicode: {error}") from None


def signed_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an entry document a signature covers: everything but ``signature``."""
    return {key: item for key, item in document.items() if key != SIGNATURE_FIELD}


def signed_message(document: Mapping[str, Any]) -> bytes:
    """The exact bytes an approver signs: canonical JSON of the entry without ``signature``."""
    try:
        return canonical_json(signed_document(document)).encode("utf-8")
    except UnicodeEncodeError as error:
        raise MalformedError(f"the entry holds text that is not valid Unicode: {error}") from None


# --- keys -----------------------------------------------------------------------------------


def raw_public_key(key: PublicKey) -> bytes:
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def key_id(key: PublicKey) -> str:
    """First 16 hex digits of SHA-256 over the raw public key bytes."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()[:16]


def algorithm_of(key: PublicKey) -> str:
    return ED25519 if isinstance(key, ed25519.Ed25519PublicKey) else ECDSA_P256_SHA256


def load_public_key(pem: str | bytes) -> PublicKey:
    """A PEM public key; only Ed25519 and ECDSA P-256 are accepted."""
    data = pem.encode() if isinstance(pem, str) else pem
    begin = data.find(b"-----BEGIN")
    if begin < 0:
        raise MalformedError("not a PEM public key (no -----BEGIN line)")
    try:
        key = serialization.load_pem_public_key(data[begin:])
    except ValueError as error:
        raise MalformedError(f"not a PEM public key: {error}") from None
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise MalformedError(f"{type(key).__name__} keys are not accepted; use Ed25519 or ECDSA P-256")


def holder_of(pem: str) -> str:
    """The ``Approver:``/``Publisher:`` name in a key file's explanatory text, or ''."""
    for line in pem.split("-----BEGIN", 1)[0].splitlines():
        label, _, value = line.partition(":")
        if label.strip().lower() in ("approver", "publisher", "holder") and value.strip():
            return value.strip()
    return ""


@dataclass(frozen=True)
class TrustedKey:
    key_id: str
    public_key: PublicKey
    holder: str = ""

    @property
    def algorithm(self) -> str:
        return algorithm_of(self.public_key)


class KeyRing:
    """Public keys by key id: the keys a stack trusts, for approvals or for publishers."""

    def __init__(self, keys: Iterable[TrustedKey] = ()) -> None:
        self._keys = {key.key_id: key for key in keys}

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def get(self, key_id: str) -> TrustedKey | None:
        return self._keys.get(key_id)

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self._keys))

    def restricted_to(self, key_ids: Iterable[str]) -> KeyRing:
        wanted = set(key_ids)
        return KeyRing(key for key in self._keys.values() if key.key_id in wanted)

    def merged(self, other: KeyRing) -> KeyRing:
        return KeyRing([*self._keys.values(), *other._keys.values()])

    @classmethod
    def from_pems(cls, pems: Mapping[str, str]) -> KeyRing:
        """Keys given as ``{key id: PEM}``; an id that is not the key's own id is refused."""
        keys = []
        for claimed, pem in pems.items():
            public_key = load_public_key(pem)
            actual = key_id(public_key)
            if claimed != actual:
                raise MalformedError(f"key {claimed!r} is really key {actual!r}; fix its id")
            keys.append(TrustedKey(actual, public_key, holder_of(pem)))
        return cls(keys)

    @classmethod
    def from_directory(cls, directory: Path) -> KeyRing:
        """Every ``<key-id>.pem`` in a directory (private keys and other files are ignored)."""
        pems: dict[str, str] = {}
        if directory.is_dir():
            for path in sorted(directory.glob("*.pem")):
                if KEY_ID.match(path.stem):
                    pems[path.stem] = path.read_text()
        return cls.from_pems(pems)


# --- verification ---------------------------------------------------------------------------


def _decode_base64(text: Any, what: str) -> bytes:
    if not isinstance(text, str) or not text:
        raise MalformedError(f"{what} is missing or not base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedError(f"{what} is not valid base64") from None


def verify_bytes(key: PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        if isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, message)
        else:
            key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _signer(
    block: Any, name: str, id_field: str, trusted: KeyRing, signed_by: str
) -> tuple[str, TrustedKey]:
    """The key id a signature block (``name``) claims and the trusted key of that id.

    Raises ``MalformedError`` for a block that is not a mapping or names no key, and
    ``UntrustedKeyError`` when the key is not one ``trusted`` holds.
    """
    if not isinstance(block, Mapping):
        raise MalformedError(f"{name} is not a mapping")
    claimed_id = block.get(id_field)
    if not isinstance(claimed_id, str) or not claimed_id:
        raise MalformedError(f"{name} names no {id_field}")
    key = trusted.get(claimed_id)
    if key is None:
        trusted_ids = ", ".join(trusted.key_ids) or "none"
        raise UntrustedKeyError(
            f"{signed_by} {claimed_id}, which is not trusted here (trusted: {trusted_ids})"
        )
    return claimed_id, key


def verify_entry(document: Mapping[str, Any], trusted: KeyRing) -> TrustedKey:
    """Check an entry document's approval signature; return the approver's key.

    Raises ``UnsignedError`` (no signature block), ``UntrustedKeyError`` (signed, but by a
    key this caller does not trust), ``TamperedError`` (the signature does not match the
    entry: it changed after signing) or ``MalformedError`` (a signature block that can't be
    read).
    """
    block = document.get(SIGNATURE_FIELD)
    if block is None:
        raise UnsignedError("the entry carries no approval signature")
    claimed_id, key = _signer(block, "the signature block", "keyId", trusted, "signed by key")
    algorithm = block.get("algorithm")
    if algorithm != key.algorithm:
        raise TamperedError(
            f"the signature says algorithm {algorithm!r} but key {claimed_id} is {key.algorithm}"
        )
    signature = _decode_base64(block.get("value"), "signature.value")
    if not verify_bytes(key.public_key, signature, signed_message(document)):
        raise TamperedError(
            f"the signature by key {claimed_id} does not match the entry: "
            "it was changed after it was signed"
        )
    return key


def split_image(image: str) -> tuple[str, str]:
    """``REPO@sha256:...`` into ``(REPO, sha256:...)``; ``("", "")`` parts when absent."""
    repository, at, digest = image.partition("@")
    if not at:
        return image, ""
    return repository, digest


def simple_signing_payload(image: str) -> bytes:
    """cosign's simple-signing payload for an image pinned by digest, byte for byte."""
    repository, digest = split_image(image)
    if not DIGEST.match(digest):
        raise MalformedError(f"{image!r} is not pinned by a sha256 digest")
    payload = {
        "critical": {
            "identity": {"docker-reference": repository},
            "image": {"docker-manifest-digest": digest},
            "type": COSIGN_SIGNATURE_TYPE,
        },
        "optional": None,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def verify_image_signature(
    image: str, image_signature: Mapping[str, Any] | None, publishers: KeyRing
) -> TrustedKey:
    """Check a cosign-style signature of ``image`` by a trusted publisher; return the key."""
    if image_signature is None:
        raise UnsignedError("the entry carries no image signature")
    publisher_id, key = _signer(
        image_signature,
        "imageSignature",
        "publisherKeyId",
        publishers,
        "image signed by publisher key",
    )
    payload = _decode_base64(image_signature.get("payload"), "imageSignature.payload")
    signature = _decode_base64(image_signature.get("signature"), "imageSignature.signature")
    if not verify_bytes(key.public_key, signature, payload):
        raise TamperedError(
            f"the image signature does not verify with publisher key {publisher_id}"
        )
    try:
        claims = json.loads(payload)
        critical = claims["critical"]
        reference = critical["identity"]["docker-reference"]
        digest = critical["image"]["docker-manifest-digest"]
        kind = critical["type"]
    except (ValueError, KeyError, TypeError):
        raise MalformedError(
            "the image signature payload is not cosign simple-signing JSON"
        ) from None
    if kind != COSIGN_SIGNATURE_TYPE:
        raise MalformedError(f"the image signature payload has type {kind!r}")
    repository, image_digest = split_image(image)
    if digest != image_digest or reference != repository:
        raise TamperedError(f"the image signature is for {reference}@{digest}, not for {image}")
    return key
