"""The warehouse the Python steps read and write, on either engine.

dbt builds the models on the target RETENTION_TARGET names (profiles.yml):
`duckdb` (the default, one file) or `spark`. The Python steps (CLV fit,
quality suites, exports, report, serving copy) reach the same tables through
this one small interface, so none of them knows which engine holds them:

    with open_warehouse() as warehouse:         # or settings.warehouse() in an asset
        warehouse.query("select max(as_of_date) from marts.customer_lifecycle")
        with warehouse.reader("select * from marts.call_sheet") as batches: ...
        warehouse.write("marts.customer_clv", frame, types, replace="all")
        with warehouse.duckdb_copy(["marts.call_sheet"]) as connection: ...

- `query`: small results (aggregates, a status row) as tuples; SQL both
  engines read (plain select, `?` parameters).
- `reader`: any result as a stream of Arrow record batches, never collected
  whole (on Spark partition by partition through the driver).
- `write`: a pandas frame into a table with fixed column types, replacing all
  rows, the rows of the frame's as_of_date, or none.
- `duckdb_copy`: a DuckDB connection on which the named relations exist, for
  steps whose SQL is DuckDB's (exports, report): the warehouse file itself on
  DuckDB, a temporary DuckDB file filled batch by batch on Spark.

On Spark the session is started on first use and stopped, with its JVM, when
the `with` block ends: the local metastore (Derby) admits one process, and
dbt's next step needs it. SPARK_REMOTE (a Spark Connect URL, e.g.
sc://host:15002) connects to a cluster's Spark instead; its metastore is the
cluster's.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from datetime import timezone
from pathlib import Path
from typing import Iterator, Literal

import duckdb
import pandas as pd
import pyarrow as pa

from orchestration.warehouse import PROJECT_DIR, connect, duckdb_path, table_exists

TARGETS = ("duckdb", "spark")
BATCH_ROWS = 100_000
Replace = Literal["all", "as_of_date", "none"]

# the DuckDB type names the Python side declares, as Spark spells them
SPARK_TYPES = {"varchar": "string", "integer": "int", "bigint": "bigint", "double": "double", "date": "date",
               "timestamp": "timestamp", "boolean": "boolean"}


def target_from_env() -> str:
    """RETENTION_TARGET (profiles.yml's target): 'duckdb' (default) or 'spark'."""
    target = os.environ.get("RETENTION_TARGET", "duckdb").strip().lower() or "duckdb"
    if target not in TARGETS:
        raise ValueError(f"RETENTION_TARGET={target!r}: expected one of {', '.join(TARGETS)}")
    return target


def spark_warehouse_dir() -> Path:
    """SPARK_WAREHOUSE_DIR as dbt resolves it (relative to the project), default warehouse/spark."""
    return (PROJECT_DIR / os.environ.get("SPARK_WAREHOUSE_DIR", "warehouse/spark")).resolve()


def _split(relation: str) -> tuple[str, str]:
    schema, _, table = relation.rpartition(".")
    return schema or "main", table


class Warehouse:
    """What every engine offers the Python steps; see the module's docstring."""

    target: str

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        pass

    def query(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        raise NotImplementedError

    def reader(self, sql: str, batch_rows: int = BATCH_ROWS):
        raise NotImplementedError

    def relation_exists(self, relation: str) -> bool:
        raise NotImplementedError

    def write(self, relation: str, frame: pd.DataFrame, types: dict[str, str], replace: Replace) -> None:
        raise NotImplementedError

    def write_many(self, writes: list[tuple[str, pd.DataFrame, dict[str, str], Replace]]) -> None:
        """Several writes (relation, frame, types, replace), in order."""
        for write in writes:
            self.write(*write)

    def duckdb_copy(self, relations: list[str] | dict[str, str | None]):
        """A DuckDB connection on which the relations exist (a dict gives each
        a filter: the rows a step needs, copied when the engine is not DuckDB)."""
        raise NotImplementedError

    def frame(self, sql: str) -> pd.DataFrame:
        """A result read batch by batch into one pandas frame (for results a step needs whole)."""
        with self.reader(sql) as batches:
            table = batches.read_all()
        # decimals as floats, as DuckDB's own .df() gives them
        return table.cast(pa.schema([
            pa.field(field.name, pa.float64()) if pa.types.is_decimal(field.type) else field for field in table.schema
        ])).to_pandas()

    def copy_into(self, connection: duckdb.DuckDBPyConnection, relation: str, where: str | None = None) -> int:
        """Copy a relation (the rows matching where) into a DuckDB connection
        under the same name, batch by batch; returns its row count."""
        schema, table = _split(relation)
        connection.execute(f"create schema if not exists {schema}")
        with self.reader(f"select * from {relation}" + (f" where {where}" if where else "")) as batches:
            connection.execute(f"create table {schema}.{table} as select * from batches")
        return connection.execute(f"select count(*) from {schema}.{table}").fetchone()[0]


class DuckDBWarehouse(Warehouse):
    """The warehouse file dbt-duckdb writes; every call opens its own connection
    (DuckDB allows one writer: a connection is never held between steps)."""

    target = "duckdb"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or duckdb_path())

    def query(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        with connect(self.path, read_only=True) as connection:
            return connection.execute(sql, list(params)).fetchall()

    @contextmanager
    def reader(self, sql: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatchReader]:
        with connect(self.path, read_only=True) as connection:
            yield connection.sql(sql).to_arrow_reader(batch_rows)

    def relation_exists(self, relation: str) -> bool:
        if not self.path.exists():
            return False
        with connect(self.path, read_only=True) as connection:
            return table_exists(connection, *_split(relation))

    def write(self, relation: str, frame: pd.DataFrame, types: dict[str, str], replace: Replace) -> None:
        self.write_many([(relation, frame, types, replace)])

    def write_many(self, writes: list[tuple[str, pd.DataFrame, dict[str, str], Replace]]) -> None:
        """All writes in one transaction: readers see all of them or none."""
        with connect(self.path) as connection:
            connection.execute("begin transaction")
            try:
                for write in writes:
                    write_duckdb(connection, *write)
                connection.execute("commit")
            except Exception:
                connection.execute("rollback")
                raise

    @contextmanager
    def duckdb_copy(self, relations: list[str] | dict[str, str | None]) -> Iterator[duckdb.DuckDBPyConnection]:
        """The warehouse file itself, read-only: every relation is there already
        (the filters are for engines that copy)."""
        with connect(self.path, read_only=True) as connection:
            yield connection

    def copy_into(self, connection: duckdb.DuckDBPyConnection, relation: str, where: str | None = None) -> int:
        """DuckDB to DuckDB: attach the file and copy inside DuckDB."""
        schema, table = _split(relation)
        connection.execute(f"attach if not exists '{self.path}' as source_warehouse (read_only)")
        connection.execute(f"create schema if not exists {schema}")
        connection.execute(f"create table {schema}.{table} as select * from source_warehouse.{relation}"
                           + (f" where {where}" if where else ""))
        return connection.execute(f"select count(*) from {schema}.{table}").fetchone()[0]


def write_duckdb(connection: duckdb.DuckDBPyConnection, relation: str, frame: pd.DataFrame,
                 types: dict[str, str], replace: Replace) -> None:
    """Create the table when missing, delete what the frame replaces, insert
    the frame's columns cast to the declared types (inside the caller's transaction)."""
    schema, table = _split(relation)
    missing = set(types) - set(frame.columns)
    if missing:
        raise ValueError(f"{relation}: frame lacks columns {sorted(missing)}")
    connection.execute(f"create schema if not exists {schema}")
    columns = ", ".join(f"{name} {type_}" for name, type_ in types.items())
    connection.execute(f"create table if not exists {relation} ({columns})")
    if replace == "all":
        connection.execute(f"delete from {relation}")
    elif replace == "as_of_date" and not frame.empty:
        connection.execute(f"delete from {relation} where as_of_date = ?", [frame["as_of_date"].iloc[0]])
    incoming = frame[list(types)]
    connection.register("incoming", incoming)
    try:
        casts = ", ".join(f"cast({name} as {type_}) as {name}" for name, type_ in types.items())
        connection.execute(f"insert into {relation} select {casts} from incoming")
    finally:
        connection.unregister("incoming")


class SparkWarehouse(Warehouse):
    """The tables dbt-spark writes: a local session on SPARK_WAREHOUSE_DIR and
    its Derby metastore (as profiles.yml's `spark` output), or a cluster's
    Spark through Spark Connect when SPARK_REMOTE is set."""

    target = "spark"

    def __init__(self, warehouse_dir: str | Path | None = None, remote: str | None = None):
        self.warehouse_dir = Path(warehouse_dir) if warehouse_dir else spark_warehouse_dir()
        self.remote = remote if remote is not None else os.environ.get("SPARK_REMOTE")
        self._session = None

    @property
    def session(self):
        if self._session is None:
            from pyspark.sql import SparkSession

            if self.remote:
                self._session = SparkSession.builder.remote(self.remote).getOrCreate()
            else:
                directory = str(self.warehouse_dir)
                with _output_to(self.warehouse_dir / "spark-driver.log"):  # the JVM's own chatter
                    self._session = self._local_session(SparkSession, directory)
                self._session.sparkContext.setLogLevel("ERROR")
        return self._session

    @staticmethod
    def _local_session(SparkSession, directory: str):
        return (
            SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[*]"))
            .appName("retention-warehouse")
            .config("spark.sql.warehouse.dir", directory)
            .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={directory}")
            .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g"))
            .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "4"))
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .enableHiveSupport()
            .getOrCreate()
        )

    def close(self) -> None:
        """Stop the session; a local one with its JVM, which releases the Derby
        metastore for the next process (dbt's next step)."""
        if self._session is None:
            return
        session, self._session = self._session, None
        if self.remote:
            session.stop()
            return
        from pyspark import SparkContext

        gateway = SparkContext._gateway
        session.stop()
        if gateway is not None:
            process = getattr(gateway, "proc", None)
            gateway.shutdown()
            if process is not None:
                if process.stdin:
                    process.stdin.close()  # spark-submit's launcher exits when its stdin closes
                process.wait(timeout=60)
            SparkContext._gateway = None
            SparkContext._jvm = None

    def query(self, sql: str, params: list | tuple = ()) -> list[tuple]:
        dataframe = self.session.sql(sql, args=list(params) or None)
        instants = set(_instant_columns(dataframe.schema))
        return [tuple(_naive_utc(value) if name in instants else value for name, value in zip(row.__fields__, row))
                for row in dataframe.collect()]

    @contextmanager
    def reader(self, sql: str, batch_rows: int = BATCH_ROWS) -> Iterator[pa.RecordBatchReader]:
        dataframe = self.session.sql(sql)
        schema = _arrow_schema(dataframe.schema)
        timestamps = _instant_columns(dataframe.schema)

        def batches():
            rows = []
            for row in dataframe.toLocalIterator():  # one partition at a time through the driver
                rows.append(row.asDict())
                if len(rows) >= batch_rows:
                    yield _record_batch(rows, schema, timestamps)
                    rows = []
            if rows:
                yield _record_batch(rows, schema, timestamps)

        yield pa.RecordBatchReader.from_batches(schema, batches())

    def relation_exists(self, relation: str) -> bool:
        schema, table = _split(relation)
        return bool(self.session.catalog.tableExists(f"{schema}.{table}"))

    def write(self, relation: str, frame: pd.DataFrame, types: dict[str, str], replace: Replace) -> None:
        """Insert the frame; replace='as_of_date' overwrites that day's partition
        only (tables kept per day are partitioned by as_of_date), 'all' the
        whole table. Parquet tables have no transactions: a failure midway
        leaves the partition being written incomplete."""
        schema, table = _split(relation)
        missing = set(types) - set(frame.columns)
        if missing:
            raise ValueError(f"{relation}: frame lacks columns {sorted(missing)}")
        partitioned = "as_of_date" in types and replace == "as_of_date"
        ordered = [name for name in types if not (partitioned and name == "as_of_date")]
        ordered += ["as_of_date"] if partitioned else []  # partition columns come last
        columns = ", ".join(f"{name} {SPARK_TYPES[types[name]]}" for name in ordered)
        self.session.sql(f"create schema if not exists {schema}")
        self.session.sql(f"create table if not exists {relation} ({columns}) using parquet"
                         + (" partitioned by (as_of_date)" if partitioned else ""))
        incoming = self.session.createDataFrame(_spark_rows(frame[ordered], types), schema=columns)
        incoming.write.insertInto(relation, overwrite=replace != "none")

    @contextmanager
    def duckdb_copy(self, relations: list[str] | dict[str, str | None]) -> Iterator[duckdb.DuckDBPyConnection]:
        """A temporary DuckDB file with the relations (the rows of their
        filters) copied from Spark batch by batch, those that exist; removed afterwards."""
        filters = relations if isinstance(relations, dict) else dict.fromkeys(relations)
        with tempfile.TemporaryDirectory(prefix="retention-spark-copy-") as directory:
            with connect(Path(directory) / "copy.duckdb") as connection:
                for relation, where in filters.items():
                    if self.relation_exists(relation):
                        self.copy_into(connection, relation, where)
                yield connection


@contextmanager
def _output_to(log: Path):
    """Point this process's stdout and stderr (file descriptors 1 and 2, which a
    child such as Spark's JVM inherits) at a log file while the block runs."""
    import sys

    log.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(log, "ab") as target:
        os.dup2(target.fileno(), 1)
        os.dup2(target.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)


def _arrow_schema(spark_schema) -> pa.Schema:
    from pyspark.sql.pandas.types import to_arrow_schema

    arrow = to_arrow_schema(spark_schema)
    # Spark's timestamps are instants shown in the session time zone (UTC);
    # the marts' timestamps are naive UTC, as DuckDB's
    return pa.schema([pa.field(field.name, pa.timestamp("us")) if pa.types.is_timestamp(field.type) else field
                      for field in arrow])


def _instant_columns(spark_schema) -> list[str]:
    """Columns of Spark's TIMESTAMP (an instant; TIMESTAMP_NTZ is a wall-clock time)."""
    from pyspark.sql.types import TimestampType

    return [field.name for field in spark_schema.fields if isinstance(field.dataType, TimestampType)]


def _naive_utc(value):
    """pyspark hands instants over as naive datetimes in this process's local
    time; the marts' timestamps are naive UTC, as DuckDB's."""
    return None if value is None else value.astimezone(timezone.utc).replace(tzinfo=None)


def _record_batch(rows: list[dict], schema: pa.Schema, timestamps: list[str]) -> pa.RecordBatch:
    for name in timestamps:
        for row in rows:
            row[name] = _naive_utc(row[name])
    return pa.RecordBatch.from_pylist(rows, schema=schema)


def _spark_rows(frame: pd.DataFrame, types: dict[str, str]) -> list[tuple]:
    """The frame's rows as createDataFrame takes them for the declared types:
    None for missing values, Python dates, UTC datetimes, ints, floats."""
    def convert(kind: str):
        if kind == "date":
            return lambda value: pd.Timestamp(value).date()
        if kind == "timestamp":
            return lambda value: pd.Timestamp(value).to_pydatetime().replace(tzinfo=timezone.utc)
        if kind in ("integer", "bigint"):
            return int
        if kind == "double":
            return float
        if kind == "boolean":
            return bool
        return str

    converters = [convert(types[name]) for name in frame.columns]
    return [
        tuple(None if pd.isna(value) else to(value) for to, value in zip(converters, row))
        for row in frame.itertuples(index=False, name=None)
    ]


def open_warehouse(target: str | None = None, duckdb_file: str | Path | None = None) -> Warehouse:
    """The warehouse of the target (default RETENTION_TARGET); use it in a `with` block."""
    target = target or target_from_env()
    if target == "spark":
        return SparkWarehouse()
    return DuckDBWarehouse(duckdb_file)


def as_warehouse(warehouse: "Warehouse | str | Path") -> Warehouse:
    """A Warehouse, or a DuckDB file's path taken as its DuckDBWarehouse."""
    return warehouse if isinstance(warehouse, Warehouse) else DuckDBWarehouse(warehouse)


__all__ = ["Warehouse", "DuckDBWarehouse", "SparkWarehouse", "open_warehouse", "as_warehouse", "target_from_env",
           "spark_warehouse_dir", "write_duckdb"]
