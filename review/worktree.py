"""A base revision checked out beside the working tree, to render it with its own code.

``git worktree add --detach`` gives a clean copy of any commit without touching the user's
checkout, index or stash; the copy is removed again however the review ends.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class BaseRevisionError(Exception):
    """The base revision cannot be checked out (unknown ref, not a git repository)."""


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
    )


def resolve(ref: str, repo: Path) -> str:
    """The commit ``ref`` names, or a clear error."""
    found = _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if found.returncode != 0:
        raise BaseRevisionError(
            f"--base {ref}: no such commit in {repo}; give a branch, tag or commit "
            "(for example the merge base: git merge-base HEAD main)"
        )
    return found.stdout.strip()


@contextmanager
def checkout(ref: str, project_dir: Path) -> Iterator[Path]:
    """The project directory as it is at ``ref``, in a temporary detached worktree."""
    top = _git(project_dir, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise BaseRevisionError(f"{project_dir} is not in a git repository: no base to compare")
    toplevel = Path(top.stdout.strip())
    commit = resolve(ref, toplevel)
    scratch = Path(tempfile.mkdtemp(prefix="mcp-fleet-base-"))
    tree = scratch / "tree"
    try:
        added = _git(toplevel, "worktree", "add", "--detach", str(tree), commit)
        if added.returncode != 0:
            raise BaseRevisionError(f"git worktree add {ref} failed: {added.stderr.strip()}")
        yield tree / project_dir.resolve().relative_to(toplevel.resolve())
    finally:
        _git(toplevel, "worktree", "remove", "--force", str(tree))
        shutil.rmtree(scratch, ignore_errors=True)
        _git(toplevel, "worktree", "prune")
