"""Compare a configuration directory with its restored copy, byte for byte."""

from __future__ import annotations

import filecmp
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ops.sources.config_dir import walk


@dataclass
class DirectoryComparison:
    source_files: int = 0
    restored_files: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    different: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.different)


def _kind(path: Path) -> str:
    mode = path.lstat().st_mode
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISREG(mode):
        return "file"
    return "special"


def compare_directories(source: Path, restored: Path) -> DirectoryComparison:
    left = {name: path for path, name in walk(source) if _kind(path) != "special"}
    right = {name: path for path, name in walk(restored)}
    result = DirectoryComparison(
        source_files=sum(1 for p in left.values() if _kind(p) == "file"),
        restored_files=sum(1 for p in right.values() if _kind(p) == "file"),
        missing=sorted(set(left) - set(right)),
        extra=sorted(set(right) - set(left)),
    )
    for name in sorted(set(left) & set(right)):
        a, b = left[name], right[name]
        kind = _kind(a)
        if kind != _kind(b):
            result.different.append(f"{name} ({kind} vs {_kind(b)})")
        elif kind == "symlink" and os.readlink(a) != os.readlink(b):
            result.different.append(f"{name} (link target)")
        elif kind == "file" and not filecmp.cmp(a, b, shallow=False):
            result.different.append(name)
    return result
