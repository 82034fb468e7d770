"""Resources shared by the assets."""

from dagster_dbt import DbtCliResource

from orchestration.project import retention_project
from orchestration.warehouse import dbt_executable

dbt_resource = DbtCliResource(
    project_dir=retention_project,
    profiles_dir=str(retention_project.profiles_dir),
    dbt_executable=dbt_executable(),
)
