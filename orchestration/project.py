"""The dbt project as Dagster sees it, with a manifest ready to load."""

from __future__ import annotations

from dagster_dbt import DbtProject

from orchestration.warehouse import PROJECT_DIR, run_dbt

retention_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)


def ensure_manifest() -> None:
    """Parse the project when target/manifest.json is missing (a fresh clone) or under `dagster dev`.

    Parsing goes through run_dbt, which uses the venv's dbt even when the venv
    is not on PATH (dagster-dbt's own preparer looks for `dbt` on PATH).
    """
    if retention_project.preparer.using_dagster_dev() or not retention_project.manifest_path.exists():
        result = run_dbt(["parse"])
        if not result.success:
            raise RuntimeError(f"dbt parse failed:\n{result.output}")


ensure_manifest()
