"""DuckDB's limits hold for every process of a run (issue 13): the Python
steps' connections take DUCKDB_MEMORY_LIMIT and DUCKDB_THREADS like dbt's
profile does, so a run squeezed into less memory is squeezed everywhere."""

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


def test_without_limits_set_they_default_like_the_profile(monkeypatch):
    monkeypatch.delenv("DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("DUCKDB_THREADS", raising=False)
    with connect() as connection:
        memory_limit, threads = settings(connection)
    assert threads == 2 and memory_limit != "488.2 MiB"
