"""Sign and verify catalog entries: approvals (Ed25519 or ECDSA P-256) and cosign image signatures.

What a signature covers, how key ids are computed and how image signatures are formed is
defined once, in ``policy/signatures.py`` (the policy pack verifies with the same code);
read its docstring for the canonical JSON definition. In short:

- the approval signature covers the canonical JSON (RFC 8785) of the entry's YAML document
  without its ``signature`` block, so it also covers ``imageSignature``;
- key id = first 16 hex digits of SHA-256 over the raw public key bytes (32-byte Ed25519
  key, or the 65-byte uncompressed P-256 point);
- trusted approver keys are ``catalog/keys/<key-id>.pem``; trusted image publisher keys are
  ``catalog/keys/publishers/<key-id>.pem``.

Order of work on an entry: the publisher signs the image first (``ops catalog sign-image``),
the approver signs the entry last (``ops catalog sign``). Signing the image changes the
entry, so it removes an existing approval, which must then be made again.

Signing rewrites only the ``signature`` / ``imageSignature`` top-level blocks of the YAML
file, appended at its end; every other line stays as written.
"""

from __future__ import annotations

import base64
import datetime as dt
import getpass
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from catalog.entry import CatalogEntry
from catalog.load import CATALOG_DIR, load_entry
from policy.signatures import (
    ALGORITHMS,
    ECDSA_P256_SHA256,
    ED25519,
    IMAGE_SIGNATURE_FIELD,
    SIGNATURE_FIELD,
    KeyRing,
    MalformedError,
    PublicKey,
    SignatureProblem,
    TamperedError,
    TrustedKey,
    UnsignedError,
    UntrustedKeyError,
    algorithm_of,
    canonical_json,
    holder_of,
    key_id,
    signed_message,
    simple_signing_payload,
    verify_entry,
    verify_image_signature,
)
from stacks.errors import SettingsError

__all__ = [
    "ALGORITHMS",
    "ECDSA_P256_SHA256",
    "ED25519",
    "KEYS_DIR",
    "PUBLISHER_KEYS_DIR",
    "KeyRing",
    "MalformedError",
    "SignatureProblem",
    "TamperedError",
    "TrustedKey",
    "UnsignedError",
    "UntrustedKeyError",
    "canonical_json",
    "key_id",
    "signed_message",
    "verify_catalog",
]

KEYS_DIR = Path(__file__).resolve().parent / "keys"
PUBLISHER_KEYS_DIR = KEYS_DIR / "publishers"

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


# --- keys -----------------------------------------------------------------------------------


def generate_private_key(algorithm: str = ED25519) -> PrivateKey:
    if algorithm == ED25519:
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == ECDSA_P256_SHA256:
        return ec.generate_private_key(ec.SECP256R1())
    raise ValueError(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")


def private_key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_key_pem(public_key: PublicKey, *, holder: str = "", role: str = "Approver") -> str:
    """A trusted-key file: explanatory lines naming the holder, then the PEM public key."""
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    header = f"{role}: {holder}\n" if holder else ""
    header += f"Key-Id: {key_id(public_key)}\nAlgorithm: {algorithm_of(public_key)}\n"
    return header + pem


def load_private_key(path: Path) -> PrivateKey:
    """An unencrypted PEM private key (PKCS#8 or traditional), Ed25519 or ECDSA P-256."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the private key: {error}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as error:
        raise SettingsError(
            f"{path}: not an unencrypted PEM private key ({error}); export it with "
            "`openssl pkcs8 -topk8 -nocrypt`"
        ) from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    if isinstance(key, ec.EllipticCurvePrivateKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise SettingsError(f"{path}: {type(key).__name__} is not accepted; use Ed25519 or ECDSA P-256")


def sign_bytes(key: PrivateKey, message: bytes) -> bytes:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(message)
    return key.sign(message, ec.ECDSA(hashes.SHA256()))


def holder_in(directory: Path, public_key: PublicKey) -> str:
    """The holder named in ``directory/<key-id>.pem`` for this key, or ''."""
    path = directory / f"{key_id(public_key)}.pem"
    return holder_of(path.read_text()) if path.is_file() else ""


# --- signing documents ----------------------------------------------------------------------


def _utc_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def signature_block(
    document: Mapping[str, Any],
    key: PrivateKey,
    signer: str,
    signed_at: dt.datetime | None = None,
) -> dict[str, str]:
    """The approval signature block for a document (as YAML writes it: camelCase keys)."""
    public_key = key.public_key()
    value = sign_bytes(key, signed_message(document))
    return {
        "keyId": key_id(public_key),
        "signer": signer,
        "signedAt": _utc_text(signed_at or dt.datetime.now(dt.UTC)),
        "algorithm": algorithm_of(public_key),
        "value": base64.b64encode(value).decode(),
    }


def image_signature_block(image: str, key: PrivateKey) -> dict[str, str]:
    """A cosign-compatible signature of the image digest by a publisher key."""
    payload = simple_signing_payload(image)
    return {
        "publisherKeyId": key_id(key.public_key()),
        "payload": base64.b64encode(payload).decode(),
        "signature": base64.b64encode(sign_bytes(key, payload)).decode(),
    }


# --- rewriting the YAML file ----------------------------------------------------------------


def _without_block(text: str, key: str) -> str:
    """The YAML text without the top-level ``key:`` block (the key line and its indented lines)."""
    start = re.compile(rf"^{re.escape(key)}\s*:")
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        if inside and (not line.strip() or line[:1] in (" ", "\t")):
            continue
        inside = bool(start.match(line))
        if not inside:
            kept.append(line)
    return "".join(kept).rstrip("\n") + "\n"


def _read_document(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text()
        document = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as error:
        raise SettingsError(f"{path}: cannot read catalog entry: {error}") from None
    if not isinstance(document, dict):
        raise SettingsError(f"{path}: a catalog entry is a YAML mapping of server fields")
    return text, document


def write_blocks(path: Path, changes: Mapping[str, Mapping[str, str] | None]) -> None:
    """Set (or, for None, remove) top-level blocks of an entry file, keeping all else as written.

    The blocks are appended at the end in the order given. If the text edit would not
    reproduce the intended document exactly (an unusual layout), the whole document is
    rewritten with ``yaml.safe_dump`` in its original key order instead.
    """
    text, document = _read_document(path)
    expected = dict(document)
    for key in changes:
        text = _without_block(text, key)
        expected.pop(key, None)
    for key, block in changes.items():
        if block is not None:
            text += yaml.safe_dump({key: dict(block)}, sort_keys=False, width=4096)
            expected[key] = dict(block)
    try:
        reproduced = yaml.safe_load(text) == expected
    except yaml.YAMLError:
        reproduced = False
    if not reproduced:
        text = yaml.safe_dump(expected, sort_keys=False, allow_unicode=True, width=4096)
    path.write_text(text)


def sign_file(path: Path, key: PrivateKey, signer: str) -> dict[str, str]:
    """Approve an entry: validate it, sign its canonical JSON, write the signature block."""
    load_entry(path)
    _, document = _read_document(path)
    block = signature_block(document, key, signer)
    write_blocks(path, {SIGNATURE_FIELD: block})
    load_entry(path)
    return block


def sign_image_file(
    path: Path, key: PrivateKey, publisher_key_id: str | None = None
) -> tuple[dict[str, str], bool]:
    """Add a publisher's image signature; returns it and whether an approval was removed."""
    entry = load_entry(path)
    actual = key_id(key.public_key())
    if publisher_key_id and publisher_key_id != actual:
        raise SettingsError(
            f"--publisher-key-id {publisher_key_id} does not match the key given (its id is {actual})"
        )
    block = image_signature_block(entry.image, key)
    had_approval = entry.signature is not None
    write_blocks(path, {SIGNATURE_FIELD: None, IMAGE_SIGNATURE_FIELD: block})
    load_entry(path)
    return block, had_approval


# --- verification ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """An entry whose approval (and image signature, when it has one) verified."""

    entry: CatalogEntry
    approver: TrustedKey
    publisher: TrustedKey | None


def trusted_keys(directory: Path = KEYS_DIR, only: Iterable[str] = ()) -> KeyRing:
    ring = KeyRing.from_directory(directory)
    wanted = list(only)
    return ring.restricted_to(wanted) if wanted else ring


def verify_document(
    document: Mapping[str, Any], trusted: KeyRing, publishers: KeyRing | None = None
) -> tuple[TrustedKey, TrustedKey | None]:
    """Approval (and image signature, if present) of a raw entry document."""
    approver = verify_entry(document, trusted)
    publisher = None
    image_signature = document.get(IMAGE_SIGNATURE_FIELD)
    if image_signature is not None:
        publisher = verify_image_signature(
            str(document.get("image")), image_signature, publishers or KeyRing()
        )
    return approver, publisher


def verify_entry_model(
    entry: CatalogEntry, trusted: KeyRing, publishers: KeyRing | None = None
) -> Verified:
    approver, publisher = verify_document(entry.document, trusted, publishers)
    return Verified(entry, approver, publisher)


def verify_file(path: Path, trusted: KeyRing, publishers: KeyRing | None = None) -> Verified:
    return verify_entry_model(load_entry(path), trusted, publishers)


def verify_catalog(
    entries: Mapping[str, CatalogEntry],
    keys_dir: Path = KEYS_DIR,
    trusted_ids: Iterable[str] = (),
) -> dict[str, Verified]:
    """Check every entry once, at load time; one ``SettingsError`` naming every failure.

    For ``stacks.load``: the program should deploy only entries that verify, and fail with
    a message that says which file, what is wrong and how to fix it.
    """
    trusted = trusted_keys(keys_dir, trusted_ids)
    publishers = KeyRing.from_directory(keys_dir / "publishers")
    verified: dict[str, Verified] = {}
    failures: list[str] = []
    for name, entry in sorted(entries.items()):
        where = entry.source or f"catalog/servers/{name}.yaml"
        try:
            verified[name] = verify_entry_model(entry, trusted, publishers)
        except UnsignedError as error:
            failures.append(
                f"{where}: signature: {error}; an approver signs it with "
                f"`python -m ops catalog sign --key KEY {where}`"
            )
        except UntrustedKeyError as error:
            failures.append(
                f"{where}: signature: {error}; add the approver's public key as "
                f"{keys_dir}/<key-id>.pem or re-sign with a trusted key"
            )
        except TamperedError as error:
            failures.append(
                f"{where}: signature: {error}; review the change and have an approver re-sign"
            )
        except SignatureProblem as error:
            failures.append(f"{where}: signature: {error}")
    if failures:
        raise SettingsError("\n".join(failures))
    return verified


def catalog_files(paths: Iterable[Path] = ()) -> list[Path]:
    """The files given, or every entry in catalog/servers."""
    listed = list(paths)
    return listed or sorted(CATALOG_DIR.glob("*.yaml"))


def default_signer(key: PrivateKey, directory: Path = KEYS_DIR) -> str:
    return holder_in(directory, key.public_key()) or getpass.getuser()
