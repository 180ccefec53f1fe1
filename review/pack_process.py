"""The policy pack as a process: started the way the Pulumi CLI starts it, stopped afterwards.

See ``review/analyze.py`` for the whole conversation; this module only reads the pack's
``PulumiPolicy.yaml``, starts ``python -u -m pulumi.policy ENGINE .`` in the pack directory
with the CLI's environment, waits for the port it prints, and gives back an Analyzer client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import grpc
import yaml
from pulumi.runtime.proto import analyzer_pb2_grpc

ORGANIZATION = "organization"
"""What the CLI passes as the organization for a DIY backend, and pulumi-policy's default."""
UNREACHABLE_ENGINE = "127.0.0.1:0"
STARTUP_TIMEOUT_SECONDS = 60.0
CALL_TIMEOUT_SECONDS = 120.0
MAX_MESSAGE = 400 * 1024 * 1024  # what pulumi-policy's server accepts


class PolicyPackError(Exception):
    """The policy pack could not be run: missing, failed to start, or failed in a call."""


@dataclass(frozen=True)
class StackConfig:
    """The stack's config as the CLI hands it to a policy pack."""

    project: str
    stack: str
    config: Mapping[str, str]
    secret_keys: Sequence[str] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PackManifest:
    directory: Path
    name: str | None
    version: str | None
    runtime: str


def read_manifest(pack_dir: Path) -> PackManifest:
    """``PulumiPolicy.yaml``, as the CLI reads it before starting the pack."""
    path = pack_dir / "PulumiPolicy.yaml"
    if not path.is_file():
        raise PolicyPackError(f"{path}: no policy pack here (PulumiPolicy.yaml is missing)")
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise PolicyPackError(f"{path}: not valid YAML: {error}") from None
    runtime = document.get("runtime")
    runtime_name = runtime.get("name") if isinstance(runtime, dict) else runtime
    if runtime_name != "python":
        raise PolicyPackError(
            f"{path}: runtime is {runtime_name!r}; the offline review runs Python packs only"
        )
    if not (pack_dir / "__main__.py").is_file():
        raise PolicyPackError(f"{pack_dir}: the pack has no __main__.py to run")
    version = document.get("version")
    return PackManifest(
        directory=pack_dir,
        name=document.get("name"),
        version=str(version) if version is not None else None,
        runtime="python",
    )


def pack_environment(stack_config: StackConfig) -> dict[str, str]:
    """The CLI's ``constructEnv``: its own environment plus the stack's identity and config."""
    env = dict(os.environ)
    if stack_config.config:
        env["PULUMI_CONFIG"] = json.dumps(dict(stack_config.config))
    env["PULUMI_ORGANIZATION"] = ORGANIZATION
    env["PULUMI_PROJECT"] = stack_config.project
    env["PULUMI_STACK"] = stack_config.stack
    env["PULUMI_DRY_RUN"] = "true"
    return env


def _tail(stream: IO[bytes]) -> str:
    stream.flush()
    stream.seek(0)
    text = stream.read().decode(errors="replace").strip()
    return text[-4000:] if text else "(the pack wrote nothing to stderr)"


@dataclass
class RunningPack:
    """A started pack: its Analyzer client, process and captured stderr."""

    manifest: PackManifest
    process: subprocess.Popen[bytes]
    channel: grpc.Channel
    client: analyzer_pb2_grpc.AnalyzerStub
    stderr: IO[bytes]

    def stderr_text(self) -> str:
        return _tail(self.stderr)

    def call(self, method: str, request: Any, *, optional: bool = False) -> Any:
        """One RPC; ``optional`` ones may be UNIMPLEMENTED (the CLI then carries on)."""
        try:
            return getattr(self.client, method)(request, timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            call = error if isinstance(error, grpc.Call) else None
            code = call.code() if call else None
            if optional and code == grpc.StatusCode.UNIMPLEMENTED:
                return None
            details = call.details() if call else str(error)
            raise PolicyPackError(
                f"policy pack {self.manifest.directory}: {method} failed ({code}): {details}\n"
                f"pack stderr:\n{self.stderr_text()}"
            ) from None


def _read_port(process: subprocess.Popen[bytes], timeout: float) -> bytes | None:
    """The first line the pack prints (its port): ``b""`` when it closed stdout (it exited),
    None when it printed nothing within ``timeout``."""
    stdout = process.stdout
    assert stdout is not None
    lines: list[bytes] = []
    reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else None


def _startup_failure(process: subprocess.Popen[bytes], line: bytes | None) -> str:
    if line:
        return f"printed {line!r} instead of its port"
    if line is None:
        return f"printed no port within {STARTUP_TIMEOUT_SECONDS:.0f} s"
    try:
        return f"exited with status {process.wait(timeout=10)}"
    except subprocess.TimeoutExpired:
        return "closed its stdout without printing its port"


def _drain(stream: IO[bytes]) -> None:
    """Keep reading what the pack prints after its port so it never blocks on a full pipe."""

    def read_to_end() -> None:
        try:
            while stream.read(65536):
                pass
        except (OSError, ValueError):  # closed under us while the pack is being stopped
            pass

    threading.Thread(target=read_to_end, daemon=True).start()


@contextmanager
def running_pack(
    pack_dir: Path, stack_config: StackConfig, python: str = sys.executable
) -> Iterator[RunningPack]:
    """Start the pack like the CLI does; stop it (and only it) when the block ends."""
    manifest = read_manifest(pack_dir)
    command = [python, "-u", "-m", "pulumi.policy", UNREACHABLE_ENGINE, "."]
    with tempfile.TemporaryFile(prefix="policy-pack-stderr-") as stderr:
        process = subprocess.Popen(
            command,
            cwd=pack_dir,
            env=pack_environment(stack_config),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        channel: grpc.Channel | None = None
        try:
            line = _read_port(process, STARTUP_TIMEOUT_SECONDS)
            port = line.strip() if line else b""
            if not port.isdigit():
                why = _startup_failure(process, line)
                raise PolicyPackError(
                    f"policy pack {pack_dir} failed to start: it {why}.\n"
                    f"pack stderr:\n{_tail(stderr)}"
                )
            assert process.stdout is not None
            _drain(process.stdout)
            channel = grpc.insecure_channel(
                f"127.0.0.1:{int(port)}",
                options=[("grpc.max_receive_message_length", MAX_MESSAGE)],
            )
            try:
                grpc.channel_ready_future(channel).result(timeout=STARTUP_TIMEOUT_SECONDS)
            except grpc.FutureTimeoutError:
                raise PolicyPackError(
                    f"policy pack {pack_dir} printed port {int(port)} but does not answer there"
                ) from None
            yield RunningPack(
                manifest, process, channel, analyzer_pb2_grpc.AnalyzerStub(channel), stderr
            )
        finally:
            if channel is not None:
                channel.close()
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout is not None:
                process.stdout.close()
