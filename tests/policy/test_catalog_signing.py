"""Catalog signatures: canonical JSON, key ids, approvals, cosign image signatures, provenance."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from catalog import signing
from catalog.load import CATALOG_DIR, load_catalog, load_entry
from catalog.provenance import provenance_annotations
from policy import signatures
from policy.contract import CATALOG_ENTRY_ANNOTATION as CATALOG_ENTRY
from policy.contract import CATALOG_SIGNATURE_ANNOTATION as CATALOG_SIGNATURE
from stacks.errors import SettingsError
from tests.policy.harness import APPROVER_KEY_ID, PUBLISHER_KEY_ID


@pytest.fixture
def entry_file(tmp_path: Path) -> Path:
    """A writable copy of the jira entry (no image signature), approval removed."""
    path = tmp_path / "jira.yaml"
    shutil.copy(CATALOG_DIR / "jira.yaml", path)
    signing.write_blocks(path, {"signature": None})
    return path


def ring(*keys: signing.PrivateKey) -> signing.KeyRing:
    return signing.KeyRing(
        signatures.TrustedKey(signing.key_id(k.public_key()), k.public_key(), "test") for k in keys
    )


# --- canonical JSON -----------------------------------------------------------------------------


def test_canonical_json_sorts_keys_drops_whitespace_and_writes_unicode_raw() -> None:
    value = {"b": [1, True, None], "a": {"z": 'é\n"', "y": 2}, "A": "x"}
    assert (
        signatures.canonical_json(value) == '{"A":"x","a":{"y":2,"z":"é\\n\\""},"b":[1,true,null]}'
    )


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (99.0, "99"),
        (99.95, "99.95"),
        (0.5, "0.5"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e16, "15000000000000000"),
        (-2.5, "-2.5"),
        (0.0, "0"),
        (123456789.125, "123456789.125"),
    ],
)
def test_numbers_are_written_as_ecmascript_does(number: float, text: str) -> None:
    assert signatures.canonical_json(number) == text


def test_keys_sort_by_utf16_code_units() -> None:
    # U+1F600 is the surrogate pair D83D DE00 in UTF-16, so it sorts before U+FB01 there,
    # though after it by code point (RFC 8785 3.2.3 sorts by UTF-16 code units).
    assert (
        signatures.canonical_json({"\ufb01": 2, "\U0001f600": 1}) == '{"\U0001f600":1,"\ufb01":2}'
    )


def test_dates_and_timestamps_are_iso_text() -> None:
    moment = dt.datetime(2026, 11, 19, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    document = {"date": dt.date(2026, 11, 19), "at": moment}
    assert (
        signatures.canonical_json(document) == '{"at":"2026-11-19T10:00:00Z","date":"2026-11-19"}'
    )
    assert signatures.canonical_json({"date": "2026-11-19"}) == '{"date":"2026-11-19"}'


def test_values_json_cannot_hold_are_refused() -> None:
    with pytest.raises(signatures.MalformedError):
        signatures.canonical_json({1: "integer key"})
    with pytest.raises(signatures.MalformedError):
        signatures.canonical_json({"bytes": b"raw"})
    with pytest.raises(ValueError):
        signatures.canonical_json(float("nan"))


def test_signed_message_is_the_entry_without_its_signature_but_with_its_image_signature() -> None:
    document = load_entry(CATALOG_DIR / "github.yaml").document
    message = json.loads(signatures.signed_message(document))
    assert "signature" not in message
    assert message["imageSignature"]["publisherKeyId"] == PUBLISHER_KEY_ID
    assert message["scan"]["date"] == "2026-11-20"  # the YAML date, as ISO text


# --- key ids ---------------------------------------------------------------------------------


def test_key_id_is_sha256_of_the_raw_public_key() -> None:
    ed = signing.generate_private_key(signing.ED25519).public_key()
    raw = ed.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert signing.key_id(ed) == hashlib.sha256(raw).hexdigest()[:16]
    ec = signing.generate_private_key(signing.ECDSA_P256_SHA256).public_key()
    point = ec.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert len(point) == 65
    assert signing.key_id(ec) == hashlib.sha256(point).hexdigest()[:16]


def test_a_key_file_must_be_named_by_its_own_id(tmp_path: Path) -> None:
    key = signing.generate_private_key()
    (tmp_path / "0123456789abcdef.pem").write_text(signing.public_key_pem(key.public_key()))
    with pytest.raises(signatures.MalformedError, match="is really key"):
        signing.KeyRing.from_directory(tmp_path)


def test_key_files_name_their_holder_and_private_keys_are_not_read_as_trusted(
    tmp_path: Path,
) -> None:
    key = signing.generate_private_key()
    kid = signing.key_id(key.public_key())
    (tmp_path / f"{kid}.pem").write_text(
        signing.public_key_pem(key.public_key(), holder="Jane Doe")
    )
    (tmp_path / f"{kid}.private.pem").write_bytes(signing.private_key_pem(key))
    keys = signing.KeyRing.from_directory(tmp_path)
    assert keys.key_ids == (kid,)
    assert keys.get(kid) is not None and keys.get(kid).holder == "Jane Doe"  # type: ignore[union-attr]


def test_rsa_keys_are_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(signatures.MalformedError, match="not accepted"):
        signatures.load_public_key(pem)


# --- approvals --------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", [signing.ED25519, signing.ECDSA_P256_SHA256])
def test_sign_and_verify_round_trip(entry_file: Path, algorithm: str) -> None:
    key = signing.generate_private_key(algorithm)
    block = signing.sign_file(entry_file, key, "Jane Doe")
    assert block["algorithm"] == algorithm and block["keyId"] == signing.key_id(key.public_key())
    verified = signing.verify_file(entry_file, ring(key))
    assert verified.approver.key_id == block["keyId"]
    assert verified.entry.signature is not None and verified.entry.signature.signer == "Jane Doe"


def test_signing_keeps_every_other_line_as_written(entry_file: Path) -> None:
    before = entry_file.read_text()
    signing.sign_file(entry_file, signing.generate_private_key(), "Jane Doe")
    after = entry_file.read_text()
    assert after.startswith(before)
    assert after[len(before) :].startswith("signature:\n  keyId: ")
    # signing again replaces the block rather than adding a second one
    signing.sign_file(entry_file, signing.generate_private_key(), "John Roe")
    again = entry_file.read_text()
    assert again.count("signature:") == 1 and "John Roe" in again and again.startswith(before)


def test_a_changed_entry_is_reported_as_tampered(entry_file: Path) -> None:
    key = signing.generate_private_key()
    signing.sign_file(entry_file, key, "Jane Doe")
    entry_file.write_text(entry_file.read_text().replace("critical: 0", "critical: 3"))
    with pytest.raises(signatures.TamperedError, match="changed after it was signed"):
        signing.verify_file(entry_file, ring(key))


def test_a_signature_by_an_untrusted_key_is_refused(entry_file: Path) -> None:
    signing.sign_file(entry_file, signing.generate_private_key(), "Mallory")
    with pytest.raises(signatures.UntrustedKeyError, match="not trusted"):
        signing.verify_file(entry_file, ring(signing.generate_private_key()))


def test_an_unsigned_entry_is_refused(entry_file: Path) -> None:
    with pytest.raises(signatures.UnsignedError):
        signing.verify_file(entry_file, ring(signing.generate_private_key()))


def test_a_signature_claiming_another_algorithm_is_refused(entry_file: Path) -> None:
    key = signing.generate_private_key(signing.ED25519)
    signing.sign_file(entry_file, key, "Jane Doe")
    entry_file.write_text(
        entry_file.read_text().replace("algorithm: ed25519", "algorithm: ecdsa-p256-sha256")
    )
    with pytest.raises(signatures.TamperedError, match="algorithm"):
        signing.verify_file(entry_file, ring(key))


def test_the_committed_catalog_is_signed_by_the_example_approver() -> None:
    verified = signing.verify_catalog(load_catalog())
    assert len(verified) >= 6
    assert {v.approver.key_id for v in verified.values()} == {APPROVER_KEY_ID}
    images_signed = {name for name, v in verified.items() if v.publisher is not None}
    assert {"github", "postgres-query"} <= images_signed


def test_verify_catalog_names_the_file_and_the_fix(tmp_path: Path) -> None:
    for path in CATALOG_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    slack = tmp_path / "slack.yaml"
    slack.write_text(slack.read_text().replace("p95LatencyMs: 400", "p95LatencyMs: 900"))
    with pytest.raises(SettingsError) as failure:
        signing.verify_catalog(load_catalog(tmp_path))
    message = str(failure.value)
    assert "slack.yaml: signature:" in message and "re-sign" in message
    assert "github" not in message


def test_verify_catalog_trusts_only_the_ids_given() -> None:
    with pytest.raises(SettingsError, match="not trusted here"):
        signing.verify_catalog(load_catalog(), trusted_ids=["0000000000000000"])


# --- image signatures -------------------------------------------------------------------------

IMAGE = "ghcr.io/acme/mcp-demo@sha256:" + "ab" * 32


def test_the_payload_is_cosigns_simple_signing_json_byte_for_byte() -> None:
    expected = (
        '{"critical":{"identity":{"docker-reference":"ghcr.io/acme/mcp-demo"},'
        '"image":{"docker-manifest-digest":"sha256:' + "ab" * 32 + '"},'
        '"type":"cosign container image signature"},"optional":null}'
    )
    assert signatures.simple_signing_payload(IMAGE) == expected.encode()


def test_image_signature_round_trip_and_failures() -> None:
    publisher = signing.generate_private_key(signing.ECDSA_P256_SHA256)
    block = signing.image_signature_block(IMAGE, publisher)
    trusted = ring(publisher)
    assert (
        signatures.verify_image_signature(IMAGE, block, trusted).key_id == block["publisherKeyId"]
    )

    other_image = IMAGE.replace("ab" * 32, "cd" * 32)
    with pytest.raises(signatures.TamperedError, match="not for"):
        signatures.verify_image_signature(other_image, block, trusted)
    with pytest.raises(signatures.UntrustedKeyError):
        signatures.verify_image_signature(IMAGE, block, ring(signing.generate_private_key()))
    forged = {
        **block,
        "payload": base64.b64encode(signatures.simple_signing_payload(other_image)).decode(),
    }
    with pytest.raises(signatures.TamperedError, match="does not verify"):
        signatures.verify_image_signature(other_image, forged, trusted)
    with pytest.raises(signatures.UnsignedError):
        signatures.verify_image_signature(IMAGE, None, trusted)


def test_the_committed_image_signatures_verify_against_the_publisher_keys() -> None:
    publishers = signing.KeyRing.from_directory(signing.PUBLISHER_KEYS_DIR)
    assert publishers.key_ids == (PUBLISHER_KEY_ID,)
    for name in ("github", "postgres-query"):
        entry = load_entry(CATALOG_DIR / f"{name}.yaml")
        assert entry.image_signature is not None
        key = signatures.verify_image_signature(
            entry.image, entry.document["imageSignature"], publishers
        )
        assert key.algorithm == signing.ECDSA_P256_SHA256


def test_signing_the_image_removes_a_now_stale_approval(entry_file: Path) -> None:
    approver = signing.generate_private_key()
    publisher = signing.generate_private_key(signing.ECDSA_P256_SHA256)
    signing.sign_file(entry_file, approver, "Jane Doe")
    block, removed = signing.sign_image_file(entry_file, publisher)
    assert removed and "signature" not in yaml.safe_load(entry_file.read_text())
    with pytest.raises(signatures.UnsignedError):
        signing.verify_file(entry_file, ring(approver), ring(publisher))
    signing.sign_file(entry_file, approver, "Jane Doe")
    verified = signing.verify_file(entry_file, ring(approver), ring(publisher))
    assert verified.publisher is not None and verified.publisher.key_id == block["publisherKeyId"]


def test_sign_image_checks_the_publisher_key_id(entry_file: Path) -> None:
    with pytest.raises(SettingsError, match="does not match"):
        signing.sign_image_file(entry_file, signing.generate_private_key(), "0000000000000000")


# --- provenance annotations -------------------------------------------------------------------


def test_provenance_annotations_carry_exactly_what_was_signed() -> None:
    entry = load_entry(CATALOG_DIR / "github.yaml")
    annotations = provenance_annotations(entry)
    assert set(annotations) == {CATALOG_ENTRY, CATALOG_SIGNATURE}
    assert annotations[CATALOG_ENTRY].encode() == signatures.signed_message(entry.document)
    document = {
        **json.loads(annotations[CATALOG_ENTRY]),
        "signature": json.loads(annotations[CATALOG_SIGNATURE]),
    }
    trusted = signing.KeyRing.from_directory(signing.KEYS_DIR)
    assert signatures.verify_entry(document, trusted).key_id == APPROVER_KEY_ID
    assert json.loads(annotations[CATALOG_SIGNATURE])["signedAt"].endswith("Z")


def test_an_unsigned_entry_has_no_signature_annotation(entry_file: Path) -> None:
    annotations = provenance_annotations(load_entry(entry_file))
    assert set(annotations) == {CATALOG_ENTRY}


def test_the_yaml_rewrite_falls_back_to_a_full_dump_for_unusual_layouts(tmp_path: Path) -> None:
    path = tmp_path / "jira.yaml"
    document = yaml.safe_load((CATALOG_DIR / "jira.yaml").read_text())
    document.pop("signature")
    # a flow-style top-level mapping the line-based edit can't handle
    path.write_text(json.dumps(document, default=str))
    key = signing.generate_private_key()
    signing.sign_file(path, key, "Jane Doe")
    assert signing.verify_file(path, ring(key)).entry.name == "jira"
