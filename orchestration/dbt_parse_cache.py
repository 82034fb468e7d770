"""Keep dbt's partial parse across the dbt invocations of Dagster runs.

dagster-dbt gives every invocation a fresh target folder and seeds it with
target/partial_parse.msgpack, which `dbt parse` wrote without vars. Runs pass
vars (file paths, run_date), and dbt re-parses the whole project whenever
the vars differ from the saved parse: about 7 s per invocation, two
invocations per run (base, daily). The as-of window is no var (it reaches
dbt as environment variables, orchestration/assets/dbt.py), so both
invocations of a run, and the runs of successive days, share one saved parse.

Here each set of vars has its own saved parse: target/partial_parse/<hash of
the vars>/partial_parse.msgpack. An invocation starts from the saved parse of
its vars, and a successful one saves what dbt wrote. dbt still checks every
file hash, the profile and its own version against the saved state, so an
edited model is re-parsed as before; only the needless full parse goes.
The newest KEEP_PARSES sets are kept (one as-of window each, 1 MB apiece).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestration.warehouse import PROJECT_DIR

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
KEEP_PARSES = 8


def target_root() -> Path:
    """dbt's target folder as dagster-dbt resolves it: DBT_TARGET_PATH, else <project>/target."""
    root = Path(os.environ.get("DBT_TARGET_PATH") or "target")
    return root if root.is_absolute() else PROJECT_DIR / root


def saved_parse(dbt_vars: Mapping[str, Any], cache: Path | None = None) -> Path:
    """Where the parse of these vars is saved: <cache>/<hash of the vars>/
    (cache: target/partial_parse by default)."""
    key = hashlib.sha256(json.dumps(dbt_vars, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return (cache or target_root() / "partial_parse") / key / PARTIAL_PARSE_FILE


def seed_target(dbt_vars: Mapping[str, Any], target: Path, cache: Path | None = None) -> None:
    """Start the target folder from the saved parse of these vars, if there is
    one: the parse the folder holds may be of other vars (a test's directory
    runs several settings in turn), and dbt checks every file against the
    seeded one anyway."""
    saved = saved_parse(dbt_vars, cache)
    if saved.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, target / PARTIAL_PARSE_FILE)


def save_parse(dbt_vars: Mapping[str, Any], target: Path, cache: Path | None = None) -> None:
    """Save the parse dbt wrote into the target folder as the parse of these vars."""
    written = target / PARTIAL_PARSE_FILE
    if written.exists():
        saved = saved_parse(dbt_vars, cache)
        saved.parent.mkdir(parents=True, exist_ok=True)
        staging = saved.with_suffix(f".{uuid.uuid4().hex[:8]}.tmp")
        shutil.copyfile(written, staging)
        os.replace(staging, saved)  # atomic: a concurrent reader sees the old or the new parse
        _prune(saved.parent.parent)


@contextmanager
def target_with_saved_parse(dbt_vars: Mapping[str, Any], name: str) -> Iterator[Path]:
    """A new target folder for one invocation, seeded with the saved parse of
    these vars; on success the invocation's parse is saved back."""
    target = target_root() / f"{name}-{uuid.uuid4().hex[:8]}"
    target.mkdir(parents=True)
    seed_target(dbt_vars, target)
    yield target
    save_parse(dbt_vars, target)


def _prune(cache: Path) -> None:
    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # pruned by a concurrent run
            return 0.0

    entries = sorted(cache.iterdir(), key=modified, reverse=True)
    for stale in entries[KEEP_PARSES:]:
        shutil.rmtree(stale, ignore_errors=True)
