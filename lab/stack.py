"""A stack's Settings read from its file, the way the offline review reads them (no engine)."""

from __future__ import annotations

from pathlib import Path

import yaml

from lab.errors import LabError
from stacks.errors import SettingsError
from stacks.fleet_plan import Settings

PROJECT_DIR = Path(__file__).resolve().parents[1]


def load_stack(stack: str, project_dir: Path = PROJECT_DIR) -> Settings:
    """Validated settings of ``Pulumi.<stack>.yaml`` with its catalog; errors become LabError."""
    from review.render_worker import stack_config
    from stacks import load_settings

    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        stacks = sorted(path.name[7:-5] for path in project_dir.glob("Pulumi.*.yaml"))
        raise LabError(
            f"--stack {stack!r}: {stack_file} does not exist; use one of: {', '.join(stacks)}"
        )
    try:
        project, config, _ = stack_config(project_dir, stack)
        return load_settings(
            config, project=project, stack=stack, catalog_dir=project_dir / "catalog" / "servers"
        )
    except yaml.YAMLError as error:
        raise LabError(f"{stack_file}: not valid YAML: {error}") from None
    except SettingsError as error:
        raise LabError(str(error)) from None
