"""``python -m ops catalog``: generate keys, sign and verify catalog entries and image signatures.

    keygen     --out DIR --signer NAME [--algorithm ed25519|ecdsa-p256-sha256] [--publisher]
    sign       --key PRIVATE_KEY_PEM [--signer NAME] --reason WHY AUDIT FILE...
    sign-image --key PRIVATE_KEY_PEM [--publisher-key-id ID] FILE...
    verify     [--keys DIR] [--trusted KEYID...] [FILE...]   (default: catalog/servers/*.yaml)

AUDIT is ``--audit-bucket BUCKET`` or ``--audit-log FILE`` (``ops.catalog_audit``): every
approval is recorded with who and why. register, promote, transfer-ownership and
slo-exception are in ``ops.catalog_workflow``.

Order: the publisher signs the image first, the approver signs the entry last (an image
signature is part of what the approval covers; ``sign-image`` removes a stale approval).
Failures end in one ``error: ...`` line on stderr and exit status 1 (2 for bad input).
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ops.catalog_audit import (
    AuditOptions,
    Reason,
    audited,
    reported,
    restored_on_failure,
)
from ops.errors import EXIT_FAILURE, EXIT_USAGE


class _LazyModule:
    """A module imported on first use. The catalog package imports pulumi (about 1.5 s),
    which every ``python -m ops backup``/``restore`` would otherwise pay at startup just
    because these commands are registered."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self._name), attribute)


if TYPE_CHECKING:
    from catalog import signing
    from stacks import errors
else:
    signing = _LazyModule("catalog.signing")
    errors = _LazyModule("stacks.errors")

# catalog.signing.KEYS_DIR without importing it (a test keeps the two equal)
KEYS_DIR = Path(__file__).resolve().parents[1] / "catalog" / "keys"

catalog_app = typer.Typer(
    name="catalog",
    help="Sign and verify catalog entries, and the audited approval workflow (register, "
    "sign, promote, transfer-ownership, slo-exception).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

KeyOption = Annotated[
    Path, typer.Option("--key", help="PEM private key (Ed25519 or ECDSA P-256, unencrypted).")
]
Files = Annotated[
    list[Path], typer.Argument(help="Catalog entry files (catalog/servers/NAME.yaml).")
]


def _fail(message: str, code: int = EXIT_FAILURE) -> typer.Exit:
    if os.environ.get("OPS_DEBUG"):
        import traceback

        traceback.print_exc()
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _shown(path: Path) -> str:
    """A path as the operator would type it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _private_key(path: Path) -> signing.PrivateKey:
    try:
        return signing.load_private_key(path)
    except errors.SettingsError as error:
        raise _fail(str(error), EXIT_USAGE) from None


@catalog_app.command()
def keygen(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the key pair into.")],
    signer: Annotated[str, typer.Option("--signer", help="Who holds the key (named in the .pem).")],
    algorithm: Annotated[
        str, typer.Option("--algorithm", help="ed25519 (default) or ecdsa-p256-sha256.")
    ] = "",
    publisher: Annotated[
        bool, typer.Option("--publisher", help="An image publisher key (ECDSA P-256, as cosign).")
    ] = False,
) -> None:
    """Make a key pair: OUT/<key-id>.pem (public, to commit) and OUT/<key-id>.private.pem."""
    chosen = algorithm or (signing.ECDSA_P256_SHA256 if publisher else signing.ED25519)
    if chosen not in signing.ALGORITHMS:
        raise _fail(
            f"--algorithm {chosen!r}: use one of {', '.join(signing.ALGORITHMS)}", EXIT_USAGE
        )
    key = signing.generate_private_key(chosen)
    key_id = signing.key_id(key.public_key())
    out.mkdir(parents=True, exist_ok=True)
    public_path = out / f"{key_id}.pem"
    private_path = out / f"{key_id}.private.pem"
    role = "Publisher" if publisher else "Approver"
    try:  # never overwrite a key: the private half may be the only copy
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as private_file:
            private_file.write(signing.private_key_pem(key))
        with public_path.open("x") as public_file:
            public_file.write(signing.public_key_pem(key.public_key(), holder=signer, role=role))
    except FileExistsError as error:
        raise _fail(f"{error.filename} already exists; not overwriting a key", EXIT_USAGE) from None
    typer.echo(key_id)
    typer.echo(
        f"public key: {public_path} (commit it to trust the key)\n"
        f"private key: {private_path} (keep it secret: move it out of the repository)",
        err=True,
    )


@catalog_app.command()
@audited
def sign(
    key: KeyOption,
    files: Files,
    reason: Reason,
    signer: Annotated[
        str, typer.Option("--signer", help="Approver's name; default: the name on the public key.")
    ] = "",
    *,
    audit: AuditOptions,
) -> None:
    """Approve entries: sign each one's canonical JSON, write its signature block and record
    the approval (an audit event per entry; if it cannot be written, no file changes)."""
    from audit.catalog_events import approval
    from catalog.load import load_entry

    private_key = _private_key(key)
    key_id = signing.key_id(private_key.public_key())
    name = signer or signing.default_signer(private_key)
    with reported():
        where = audit.destination()
        if not (signing.KEYS_DIR / f"{key_id}.pem").is_file():
            typer.echo(
                f"warning: key {key_id} is not in {signing.KEYS_DIR}; nothing trusts it yet",
                err=True,
            )
        events = []
        with restored_on_failure(list(files)):
            for path in files:
                block = signing.sign_file(path, private_key, name)
                entry = load_entry(path)
                events.append(approval(entry.name, entry.version, key_id, audit.operator, reason))
                typer.echo(
                    f"{path}: signed by {name} with key {block['keyId']} ({block['algorithm']})"
                )
            typer.echo(where.write(events))


@catalog_app.command("sign-image")
def sign_image(
    key: KeyOption,
    files: Files,
    publisher_key_id: Annotated[
        str,
        typer.Option("--publisher-key-id", help="Expected id of --key (checked); default: its id."),
    ] = "",
) -> None:
    """Add a cosign-compatible signature of each entry's image digest by a publisher key."""
    private_key = _private_key(key)
    for path in files:
        try:
            block, removed = signing.sign_image_file(path, private_key, publisher_key_id or None)
        except errors.SettingsError as error:
            raise _fail(str(error)) from None
        typer.echo(f"{path}: image signed by publisher key {block['publisherKeyId']}")
        if removed:
            typer.echo(
                f"{path}: the entry changed, so its approval signature was removed; an "
                f"approver must run `python -m ops catalog sign --key KEY {path}`",
                err=True,
            )


@catalog_app.command()
def verify(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Entries to check; default: all of catalog/servers.")
    ] = None,
    keys: Annotated[
        Path,
        typer.Option("--keys", help="Trusted approver keys (<key-id>.pem; publishers/ below)."),
    ] = KEYS_DIR,
    trusted: Annotated[
        list[str] | None, typer.Option("--trusted", help="Trust only these key ids (repeatable).")
    ] = None,
) -> None:
    """Check approvals (and image signatures) against trusted keys; exit 1 if any fails."""
    try:
        ring = signing.trusted_keys(keys, trusted or ())
        publishers = signing.KeyRing.from_directory(keys / "publishers")
    except signing.SignatureProblem as error:
        raise _fail(f"{keys}: {error}", EXIT_USAGE) from None
    failed = 0
    for path in signing.catalog_files(files or ()):
        try:
            verified = signing.verify_file(path, ring, publishers)
        except (errors.SettingsError, signing.SignatureProblem) as error:
            failed += 1
            typer.echo(f"FAILED {_shown(path)}: {error}")
            continue
        approver = verified.approver
        line = f"ok     {_shown(path)}: approved by {approver.holder or 'key'} ({approver.key_id}, {approver.algorithm})"
        if verified.publisher is not None:
            publisher = verified.publisher
            line += f"; image signed by {publisher.holder or 'key'} ({publisher.key_id})"
        typer.echo(line)
    if failed:
        raise _fail(f"{failed} catalog entr{'y' if failed == 1 else 'ies'} failed verification")
