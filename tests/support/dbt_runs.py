"""dbt runs in a test's own directory that share one saved parse.

A dbt invocation spends about 5 s parsing the project. dbt keeps the parse
(target/partial_parse.msgpack) and reuses it when the project files, the
--vars and the profile are the same. Two tests' runs differ in their paths
only (the warehouse file, the input files), so run_dbt_in runs dbt in the
test's directory with those paths relative to it: two runs with the same
settings then have the same vars and profile, and the second starts from
the first's saved parse (copied into its target directory; dbt parses
again by itself if anything differs).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

from orchestration.dbt_parse_cache import save_parse, seed_target
from orchestration.warehouse import DbtResult, run_dbt

# the saved parses of this process's runs (one pytest-xdist worker), kept
# apart from the project's own target/partial_parse
_cache = Path(tempfile.mkdtemp(prefix="saved_parses_"))
atexit.register(shutil.rmtree, _cache, True)


def relative_to(value, root: Path):
    """A path var under root as a path relative to it; any other value as it is."""
    if isinstance(value, str) and value.startswith("/"):
        path = Path(value)
        if path.is_relative_to(root):
            return str(path.relative_to(root))
    return value


def run_dbt_in(root: Path, args: list[str], dbt_vars: dict, env: dict[str, str] | None = None,
               warehouse: Path | None = None) -> DbtResult:
    """`dbt <args>` with root as the working directory, warehouse (default
    root/warehouse.duckdb) and target root/target, the path vars under root
    relative to it, starting from the saved parse of the same vars
    (orchestration/dbt_parse_cache.py, as the Dagster runs do)."""
    root = root.resolve()
    run_vars = {name: relative_to(value, root) for name, value in dbt_vars.items()}
    target = root / "target"
    seed_target(run_vars, target, _cache)
    result = run_dbt(args, run_vars, warehouse or root / "warehouse.duckdb", target, env, cwd=root)
    save_parse(run_vars, target, _cache)
    return result
