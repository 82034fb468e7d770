"""DuckDB's limits hold for every process of a run (issue 13): the Python
steps' connections take DUCKDB_MEMORY_LIMIT and DUCKDB_THREADS like dbt's
profile does, so a run squeezed into less memory is squeezed everywhere."""

import duckdb

from orchestration.warehouse import connect


def settings(connection) -> tuple:
    return connection.execute(
        "select current_setting('memory_limit'), current_setting('threads')").fetchone()


def test_python_connections_take_the_limits_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DUCKDB_MEMORY_LIMIT", "512MB")
    monkeypatch.setenv("DUCKDB_THREADS", "1")
    with connect() as connection:
        assert settings(connection) == ("488.2 MiB", 1)
    with connect(tmp_path / "file.duckdb") as connection:
        assert settings(connection) == ("488.2 MiB", 1)


def test_without_limits_set_a_connection_is_duckdbs_default_one(monkeypatch, tmp_path):
    """Nothing set: the same configuration as a plain duckdb.connect, so a
    test or a notebook holding the warehouse open does not stop the steps
    (DuckDB refuses a second connection with another configuration)."""
    monkeypatch.delenv("DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("DUCKDB_THREADS", raising=False)
    path = tmp_path / "file.duckdb"
    duckdb.connect(str(path)).close()
    with duckdb.connect(str(path), read_only=True) as held, connect(path, read_only=True) as connection:
        assert settings(connection) == settings(held)
