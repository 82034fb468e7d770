"""Resources shared by the assets, and the concurrency pool of the warehouse.

DuckDB allows one writer per file: every asset that opens the warehouse runs
in the pool WAREHOUSE_POOL, whose limit (1, in dagster.yaml) makes steps of
overlapping runs wait for each other instead of failing on the file lock;
runs that write the warehouse also carry WAREHOUSE_RUN_TAG, limited to one
in progress at a time by the run queue.
"""

from dagster_dbt import DbtCliResource

from orchestration.project import retention_project
from orchestration.settings import RetentionSettings
from orchestration.warehouse import dbt_executable

WAREHOUSE_POOL = "retention_warehouse"
WAREHOUSE_RUN_TAG = "retention/warehouse"


def build_resources() -> dict:
    return {
        "dbt": DbtCliResource(
            project_dir=retention_project,
            profiles_dir=str(retention_project.profiles_dir),
            dbt_executable=dbt_executable(),
        ),
        "settings": RetentionSettings.from_env(),
    }
