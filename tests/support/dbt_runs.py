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
import json
import shutil
import tempfile
from pathlib import Path

from orchestration.warehouse import DbtResult, run_dbt

PARSE_FILE = "partial_parse.msgpack"

# (vars, env) -> a saved parse, for the runs of this process (one pytest-xdist worker)
_saved_parses: dict[str, Path] = {}
_saved_dir: Path | None = None


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
    relative to it, starting from a saved parse of the same settings."""
    global _saved_dir
    root = root.resolve()
    run_vars = {name: relative_to(value, root) for name, value in dbt_vars.items()}
    target = root / "target"
    key = json.dumps([run_vars, env or {}], sort_keys=True, default=str)
    saved = _saved_parses.get(key)
    if saved is not None and not (target / PARSE_FILE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(saved, target / PARSE_FILE)
    result = run_dbt(args, run_vars, warehouse or root / "warehouse.duckdb", target, env, cwd=root)
    if saved is None and (target / PARSE_FILE).exists():
        if _saved_dir is None:
            _saved_dir = Path(tempfile.mkdtemp(prefix="saved_parses_"))
            atexit.register(shutil.rmtree, _saved_dir, True)
        _saved_parses[key] = _saved_dir / f"{len(_saved_parses)}.msgpack"
        shutil.copy(target / PARSE_FILE, _saved_parses[key])
    return result
