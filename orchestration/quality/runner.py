"""Validate a warehouse table against its Great Expectations suite.

The suites are files in expectations/ (GX's own suite JSON, one per checked
table). Their `meta` says which relation they check, which Dagster asset they
belong to, whether a failure blocks what is downstream, and which columns
identify a row in the samples.

Everything is computed inside the warehouse's engine: on DuckDB GX's SQL
data source (SQLAlchemy with duckdb-engine) sends its metric queries to the
file, on Spark GX's Spark data source computes them on a DataFrame of the
session (orchestration/engine.py), so no table is pulled into pandas. What comes back to Python is bounded: one row of
aggregates per expectation, at most `SAMPLE_ROWS` offending values or rows
per expectation (GX caps an unexpected-rows query at 200 records).

Results of every validation are appended to `quality.validation_results` in
the warehouse (one row per expectation and run) so quality can be followed
over time; `latest_observed_value` reads the previous load's figures from it.

    python -m orchestration.quality validate customer_rfm    # a person's view
"""

from __future__ import annotations

import enum
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any


import pandas as pd

from orchestration.engine import SparkWarehouse, Warehouse, as_warehouse
from orchestration.warehouse import PROJECT_DIR, duckdb_limits

SUITES_DIR = PROJECT_DIR / "expectations"
RESULTS_TABLE = "quality.validation_results"
SAMPLE_ROWS = 5


# --- GX and duckdb-engine -------------------------------------------------
# GX closes its SQLAlchemy connection before it reads a query's rows unless the
# dialect is one it keeps a persisted connection for; with duckdb-engine the
# rows are then gone and every metric fails with "list index out of range"
# (great_expectations issues #10738 and #11579). Registering DuckDB as a
# persisted-connection dialect makes GX keep one connection per validation,
# which `validate` closes at the end (so the DuckDB file lock is released).
class _DuckDBDialect(str, enum.Enum):
    DUCKDB = "duckdb"


def _keep_duckdb_connections_open() -> None:
    from great_expectations.execution_engine import sqlalchemy_execution_engine as engine_module

    dialects = engine_module._PERSISTED_CONNECTION_DIALECTS
    if _DuckDBDialect.DUCKDB not in dialects:
        engine_module._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DuckDBDialect.DUCKDB)


# --- suites -----------------------------------------------------------------
@dataclass(frozen=True)
class SuiteFile:
    """One suite file of expectations/ and what its meta says about it."""

    name: str
    path: Path
    relation: str
    asset_key: tuple[str, ...]
    blocking: bool
    row_id_columns: tuple[str, ...]
    description: str
    meta: dict
    expectations: tuple[dict, ...]

    @classmethod
    def read(cls, path: Path) -> "SuiteFile":
        document = json.loads(path.read_text(encoding="utf-8"))
        meta = document.get("meta", {})
        missing = [key for key in ("relation", "asset_key") if key not in meta]
        if missing:
            raise ValueError(f"suite {path} has no meta {', '.join(missing)}")
        return cls(
            name=document["name"],
            path=path,
            relation=meta["relation"],
            asset_key=tuple(meta["asset_key"]),
            blocking=bool(meta.get("blocking", False)),
            row_id_columns=tuple(meta.get("row_id_columns", [])),
            description=meta.get("description", ""),
            meta=meta,
            expectations=tuple(document["expectations"]),
        )

    def gx_suite(self):
        import great_expectations as gx
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

        return gx.ExpectationSuite(
            name=self.name,
            expectations=[ExpectationConfiguration(**spec).to_domain_obj() for spec in self.expectations],
            meta={key: value for key, value in self.meta.items() if key != "asset_key"},
        )


def load_suites(directory: Path = SUITES_DIR) -> dict[str, SuiteFile]:
    """Every suite in expectations/, by name."""
    suites = [SuiteFile.read(path) for path in sorted(directory.glob("*.json"))]
    return {suite.name: suite for suite in suites}


# --- outcomes ---------------------------------------------------------------
@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str
    column: str | None
    severity: str
    success: bool
    observed_value: str | None
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: list
    kwargs: dict
    error: str | None = None
    description: str | None = None

    def describe(self) -> str:
        target = f"{self.expectation}({self.column})" if self.column else self.expectation
        if self.description:
            target = f"{target} [{self.description.split(':')[0].rstrip('.')}]"
        if self.error:
            return f"{target}: could not be evaluated: {self.error}"
        if self.unexpected_count is not None:
            return f"{target}: {self.unexpected_count} unexpected ({self.unexpected_percent:.2f} %)"
        return f"{target}: observed {self.observed_value}"


@dataclass(frozen=True)
class SuiteOutcome:
    suite: SuiteFile
    run_id: str
    validated_at: datetime
    as_of_date: str | None
    parameters: dict
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(outcome.success for outcome in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.outcomes if not outcome.success]

    @property
    def critical_failures(self) -> list[ExpectationOutcome]:
        return [outcome for outcome in self.failures if outcome.severity == "critical"]

    def summary(self) -> str:
        state = "passed" if self.success else ("FAILED" if self.critical_failures else "warned")
        lines = [f"suite {self.suite.name} on {self.suite.relation}: {state} "
                 f"({len(self.outcomes) - len(self.failures)}/{len(self.outcomes)} expectations met)"]
        lines += [f"  {outcome.severity}: {outcome.describe()}" for outcome in self.failures]
        return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    return value


def _outcome(result) -> ExpectationOutcome:
    config = result.expectation_config
    details = result.result or {}
    error = None
    if result.exception_info and result.exception_info.get("raised_exception") is not False:
        messages = [info.get("exception_message") for info in result.exception_info.values()
                    if isinstance(info, dict) and info.get("exception_message")]
        error = (messages[0] if messages else result.exception_info.get("exception_message")) or "unknown error"
        error = error.splitlines()[0][:500]
    if "partial_unexpected_index_list" in details and details["partial_unexpected_index_list"]:
        sample = details["partial_unexpected_index_list"][:SAMPLE_ROWS]
    elif details.get("details", {}).get("unexpected_rows"):
        sample = details["details"]["unexpected_rows"][:SAMPLE_ROWS]
    else:
        sample = (details.get("partial_unexpected_list") or [])[:SAMPLE_ROWS]
    observed = details.get("observed_value")
    kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
    return ExpectationOutcome(
        expectation=config.type,
        column=kwargs.get("column") or (",".join(kwargs["column_list"]) if "column_list" in kwargs else None),
        severity=str(getattr(config.severity, "value", config.severity) or "critical"),
        success=bool(result.success) and error is None,
        observed_value=None if observed is None else json.dumps(_jsonable(observed)),
        unexpected_count=details.get("unexpected_count"),
        unexpected_percent=details.get("unexpected_percent"),
        sample=_jsonable(sample),
        kwargs=_jsonable(kwargs),
        error=error,
        description=getattr(config, "description", None),
    )


# --- validation ---------------------------------------------------------------
def validate(
    suite: SuiteFile,
    warehouse: Warehouse | str | Path,
    parameters: dict | None = None,
    as_of_date: str | None = None,
    run_id: str | None = None,
    record: bool = True,
) -> SuiteOutcome:
    """Validate the suite's relation in the warehouse (either engine: GX's SQL
    data source on DuckDB, its Spark data source on Spark, the metrics
    computed by the engine); append the results to
    quality.validation_results unless record=False."""
    import great_expectations as gx

    warehouse = as_warehouse(warehouse)
    parameters = parameters or {}
    context = gx.get_context(mode="ephemeral")
    suite_definition = context.suites.add(suite.gx_suite())
    result_format = {
        "result_format": "SUMMARY",
        "partial_unexpected_count": SAMPLE_ROWS,
        "unexpected_index_column_names": list(suite.row_id_columns),
        "return_unexpected_index_query": False,
    }
    if isinstance(warehouse, SparkWarehouse):
        rows = warehouse.session.sql(suite_query(suite))  # before GX looks for a session of its own
        source = context.data_sources.add_spark(name="warehouse")
        batch = source.add_dataframe_asset(name=suite.name).add_batch_definition_whole_dataframe("whole table")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=suite_definition))
        result = definition.run(
            batch_parameters={"dataframe": rows}, expectation_parameters=parameters, result_format=result_format,
        )
    else:
        _keep_duckdb_connections_open()
        source = context.data_sources.add_sql(
            name="warehouse",
            connection_string=f"duckdb:///{Path(warehouse.path).resolve()}",
            kwargs={"connect_args": {"read_only": True, "config": duckdb_limits()}},
        )
        try:
            asset = source.add_query_asset(name=suite.name, query=suite_query(suite))
            batch = asset.add_batch_definition_whole_table("whole table")
            definition = context.validation_definitions.add(
                gx.ValidationDefinition(name=suite.name, data=batch, suite=suite_definition))
            result = definition.run(expectation_parameters=parameters, result_format=result_format)
        finally:
            _close(source)
    outcome = SuiteOutcome(
        suite=suite,
        run_id=run_id or uuid.uuid4().hex,
        validated_at=datetime.now(timezone.utc).replace(tzinfo=None),
        as_of_date=as_of_date,
        parameters=parameters,
        outcomes=[_outcome(item) for item in result.results],
    )
    if record:
        record_outcome(outcome, warehouse)
    return outcome


def _close(source) -> None:
    """Close every connection GX opened: the execution engine's persisted one and
    the data source's own engine (used to test the connection). DuckDB holds the
    file, against dbt and the results writer, until the last one is closed."""
    execution_engine = getattr(source, "_execution_engine", None)
    if execution_engine is not None:
        connection = getattr(execution_engine, "_connection", None)
        if connection is not None:
            connection.close()
            execution_engine._connection = None
        execution_engine.engine.dispose()
    engine = getattr(source, "_engine", None)
    if engine is not None:
        engine.dispose()


# --- results table ------------------------------------------------------------
RESULTS_COLUMNS = {
    "run_id": "varchar",
    "validated_at": "timestamp",
    "suite_name": "varchar",
    "relation_name": "varchar",
    "as_of_date": "date",
    "expectation_type": "varchar",
    "column_name": "varchar",
    "severity": "varchar",
    "success": "boolean",
    "observed_value": "varchar",
    "unexpected_count": "bigint",
    "unexpected_percent": "double",
    "sample_json": "varchar",
    "expectation_kwargs_json": "varchar",
    "error_message": "varchar",
}


def record_outcome(outcome: SuiteOutcome, warehouse: Warehouse | str | Path) -> None:
    rows = [
        (
            outcome.run_id, outcome.validated_at, outcome.suite.name, outcome.suite.relation, outcome.as_of_date,
            item.expectation, item.column, item.severity, item.success, item.observed_value,
            item.unexpected_count, item.unexpected_percent, json.dumps(item.sample), json.dumps(item.kwargs),
            item.error,
        )
        for item in outcome.outcomes
    ]
    frame = pd.DataFrame(rows, columns=list(RESULTS_COLUMNS), dtype=object)
    as_warehouse(warehouse).write(RESULTS_TABLE, frame, RESULTS_COLUMNS, "none")


def relation_exists(warehouse: Warehouse | str | Path, relation: str) -> bool:
    """Whether schema.table exists in the warehouse."""
    return as_warehouse(warehouse).relation_exists(relation)


def latest_observed_value(warehouse: Warehouse | str | Path, suite_name: str, expectation_type: str) -> Any:
    """The observed value of the suite's last passing run, or None."""
    warehouse = as_warehouse(warehouse)
    if not warehouse.relation_exists(RESULTS_TABLE):
        return None
    rows = warehouse.query(
        f"""
        select results.observed_value
        from {RESULTS_TABLE} as results
        where results.suite_name = ? and results.expectation_type = ?
          and results.run_id in (
              select run_id from {RESULTS_TABLE}
              where suite_name = ?
              group by run_id
              having bool_and(success or severity != 'critical')
          )
        order by results.validated_at desc
        limit 1
        """,
        [suite_name, expectation_type, suite_name],
    )
    return json.loads(rows[0][0]) if rows and rows[0][0] is not None else None


def suite_query(suite: SuiteFile) -> str:
    """The rows a suite validates: its relation, or with meta
    `latest_load_column` only the rows of the latest load (what arrived; the
    rows loaded before were checked when they arrived)."""
    column = suite.meta.get("latest_load_column")
    if not column:
        return f"select * from {suite.relation}"
    return f"select * from {suite.relation} where {column} = (select max({column}) from {suite.relation})"


# --- parameters ---------------------------------------------------------------
def suite_parameters(suite: SuiteFile, warehouse: Warehouse | str | Path) -> dict:
    """Values for the suite's {"$PARAMETER": ...} placeholders: the largest
    row count to expect, from the previous good load and the suite's
    `row_count_versus_previous_load` ratio (a warning: the blocking rules on a
    load are dbt tests, macros/definitions/transaction_guards.sql)."""
    parameters = {}
    row_count_rule = suite.meta.get("row_count_versus_previous_load")
    if row_count_rule:
        previous = latest_observed_value(warehouse, suite.name, "expect_table_row_count_to_be_between")
        parameters["max_expected_row_count"] = int(previous * row_count_rule["max_ratio"]) if previous else None
    return parameters


