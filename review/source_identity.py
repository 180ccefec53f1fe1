"""The content identity of a directory: one digest that changes whenever any file in it does.

A review's result is determined by the files of the project (the program, the settings code,
the stack files, the catalog, the policy pack, ``uv.lock``), so the review cache is keyed by
this digest rather than by timestamps or by the few files one could list by hand today.

In a git work tree the digest is cheap and exact: the tree git recorded for the directory at
``HEAD`` plus the content of every file ``git status`` reports as modified, deleted or
untracked-not-ignored, i.e. exactly the files git would see. A clean checkout of revision R
therefore has the same identity as any other clean checkout of R, so a pull request's base
revision, rendered from a fresh worktree, hits the cache entry written the first time.
Outside git (a copied snapshot) every file is hashed, skipping only environments and tool
caches that the program never reads.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path

WALK_SKIP = {
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".benchmarks",
    ".cache",
    ".hypothesis",
}
"""Directories a walk never enters: environments, bytecode and tool caches, the review cache."""


def file_digest(path: Path) -> str:
    """The content of ``path`` (a symlink by its target), or ``absent`` when it is gone."""
    try:
        if path.is_symlink():
            return "link:" + os.readlink(path)
        if not path.is_file():
            return "absent"
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "absent"


def _git(directory: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["git", "--no-optional-locks", "-C", str(directory), *args],
        capture_output=True,
        check=False,
    )


def _changed_paths(directory: Path) -> list[str] | None:
    """Paths (relative to the repository root) git sees as changed under ``directory``."""
    status = _git(
        directory,
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--no-renames",
        "--",
        ".",
    )
    if status.returncode != 0:
        return None
    entries = status.stdout.decode("utf-8", "surrogateescape").split("\0")
    return sorted(entry[3:] for entry in entries if len(entry) > 3)


def _git_identity(directory: Path, exclude: Path | None) -> str | None:
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return None
    toplevel = Path(top.stdout.decode().strip())
    tree = _git(directory, "rev-parse", "--verify", "--quiet", "HEAD:./")
    changed = _changed_paths(directory)
    if changed is None:
        return None
    digest = hashlib.sha256(b"git\0" + (tree.stdout.strip() or b"no-tree") + b"\0")
    base = directory.resolve()
    for relative in changed:
        # The parent resolved, not the path: a symlink is an entry of its own (its target
        # counts), wherever it points.
        path = (toplevel / relative).parent.resolve() / Path(relative).name
        if exclude is not None and path.is_relative_to(exclude):
            continue
        inside = path.relative_to(base).as_posix()
        digest.update(f"{inside}\0{file_digest(path)}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _walked_files(directory: Path, exclude: Path | None) -> Iterable[Path]:
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in WALK_SKIP and (exclude is None or (Path(root) / d).resolve() != exclude)
        )
        for name in sorted(files):
            yield Path(root) / name


def _walk_identity(directory: Path, exclude: Path | None) -> str:
    digest = hashlib.sha256(b"walk\0")
    for path in _walked_files(directory, exclude):
        inside = path.relative_to(directory).as_posix()
        digest.update(f"{inside}\0{file_digest(path)}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def directory_identity(directory: Path, exclude: Path | None = None) -> str:
    """A digest of every file git would see in ``directory`` (all files outside git).

    ``exclude`` (the cache directory, when it lies inside) never counts.
    """
    resolved = directory.resolve()
    excluded = exclude.resolve() if exclude is not None else None
    return _git_identity(resolved, excluded) or _walk_identity(resolved, excluded)
