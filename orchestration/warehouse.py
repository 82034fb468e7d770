"""Run the dbt project against a warehouse file, from Python.

One place knows how to call dbt (as a subprocess, so every run starts clean
and its full output can be shown or checked) and where the project, the
warehouse file and the build artefacts live.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DUCKDB_PATH = PROJECT_DIR / "warehouse" / "retention.duckdb"


def duckdb_path() -> Path:
    """The warehouse file: env DUCKDB_PATH, else warehouse/retention.duckdb under the project."""
    configured = os.environ.get("DUCKDB_PATH")
    return Path(configured).resolve() if configured else DEFAULT_DUCKDB_PATH


def duckdb_limits() -> dict[str, str]:
    """DuckDB's memory cap and worker threads for the Python steps' own
    connections (the quality suites, CLV fit, exports, serving copy), from
    the environment variables profiles.yml gives dbt, read when a connection
    opens: a limit set for a run holds for every process of it, not only for
    dbt's. Only the variables that are set: DuckDB refuses a second
    connection to an open file with another configuration, so without them a
    connection is exactly DuckDB's default one (memory 80 % of RAM, threads
    = cores)."""
    names = {"memory_limit": "DUCKDB_MEMORY_LIMIT", "threads": "DUCKDB_THREADS"}
    return {setting: os.environ[name] for setting, name in names.items() if os.environ.get(name)}


def connect(path: Path | str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection under duckdb_limits()."""
    return duckdb.connect(str(path), read_only=read_only, config=duckdb_limits())


def dbt_executable() -> str:
    """The dbt of the interpreter running this code (the project's venv)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


@dataclass(frozen=True)
class DbtResult:
    command: list[str]
    returncode: int
    output: str
    target_path: Path

    @property
    def success(self) -> bool:
        return self.returncode == 0

    def run_results(self) -> dict:
        return json.loads((self.target_path / "run_results.json").read_text())


def run_dbt(
    args: list[str],
    dbt_vars: dict | None = None,
    warehouse: Path | None = None,
    target_path: Path | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> DbtResult:
    """Run `dbt <args>` on this project and return its exit code and output.

    dbt_vars are passed with --vars; warehouse sets DUCKDB_PATH (default: env
    DUCKDB_PATH or warehouse/retention.duckdb); target_path keeps the run's
    artefacts and logs apart (default: env DBT_TARGET_PATH or target/); env
    adds environment variables (RETENTION_TARGET=spark and
    SPARK_WAREHOUSE_DIR run it on Spark). cwd is the directory dbt runs in
    (default: the project), which relative paths in the vars are relative
    to; a warehouse under it is given to dbt relative to it as well.
    """
    run_dir = Path(cwd).resolve() if cwd else PROJECT_DIR
    warehouse = (warehouse or duckdb_path()).resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    warehouse_setting = (os.path.relpath(warehouse, run_dir) if cwd and warehouse.is_relative_to(run_dir)
                         else str(warehouse))
    target_path = Path(target_path or os.environ.get("DBT_TARGET_PATH") or PROJECT_DIR / "target").resolve()
    command = [
        dbt_executable(),
        *args,
        "--project-dir", str(PROJECT_DIR),
        "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(target_path),
        "--log-path", str(target_path / "logs"),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    environment = {**os.environ, "DUCKDB_PATH": warehouse_setting, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                   **(env or {})}
    completed = subprocess.run(command, cwd=run_dir, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    return DbtResult(command, completed.returncode, completed.stdout, target_path)


def table_exists(connection, schema: str, table: str) -> bool:
    """Whether schema.table exists, on an open DuckDB connection."""
    return bool(connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()[0])


def project_dbt_vars(overrides: dict | None = None) -> dict:
    """dbt_project.yml's vars with the run's --vars on top: what dbt itself sees."""
    import yaml

    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return {**project.get("vars", {}), **(overrides or {})}


def business_timezone() -> str:
    """The business's time zone, the one setting every part reads: dbt var
    business_timezone (dbt_project.yml, with RETENTION_DBT_VARS on top). dbt
    turns local order times into dates with it; Dagster's partitions and
    schedule, and the freshness check's "now", are in it."""
    if os.environ.get("RETENTION_TIMEZONE"):
        raise ValueError(
            "RETENTION_TIMEZONE is no longer read: the time zone is the dbt var business_timezone, "
            """e.g. RETENTION_DBT_VARS='{"business_timezone": "Europe/Berlin"}' or --var business_timezone=..."""
        )
    return str(project_dbt_vars(json.loads(os.environ.get("RETENTION_DBT_VARS") or "{}"))["business_timezone"])
