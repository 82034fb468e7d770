"""The dbt project as Dagster sees it, with an up-to-date manifest to load."""

from __future__ import annotations

import fcntl
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.warehouse import PROJECT_DIR, run_dbt

DBT_SOURCES = ["dbt_project.yml", "models", "macros", "seeds", "tests/dbt"]


def newest_dbt_source_mtime() -> float:
    paths = []
    for name in DBT_SOURCES:
        path = PROJECT_DIR / name
        paths += [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in paths)


def manifest_is_stale(manifest: Path) -> bool:
    return not manifest.exists() or manifest.stat().st_mtime < newest_dbt_source_mtime()


retention_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
# `dagster dev` (the UI, `make dev`, with the venv's dbt on PATH) re-parses
# the project whenever the definitions load; elsewhere this does nothing
retention_project.prepare_if_dev()


def prepare_project() -> None:
    """Parse the project when target/manifest.json is missing or older than
    a model, macro, seed or test: what the CLI and the tests call before they
    load the definitions, so an analyst who edits a model and re-runs gets the
    new graph, not a stale one. Parsing goes through run_dbt, which uses the
    venv's dbt even when the venv is not on PATH.
    """
    target = Path(retention_project.project_dir) / "target"
    target.mkdir(exist_ok=True)
    # one parse at a time: processes starting together (dagster dev's code
    # server and a CLI run, pytest workers) must not read a half-written manifest
    with open(target / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest_is_stale(retention_project.manifest_path):
            result = run_dbt(["parse"], target_path=target)
            if not result.success:
                raise RuntimeError(f"dbt parse failed:\n{result.output}")
