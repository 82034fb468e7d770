"""Environment variables set for the length of a `with` block."""

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager


def _apply(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@contextmanager
def environment(values: Mapping[str, str | None]) -> Iterator[None]:
    """Inside the block each name has its value (None: the name is unset);
    afterwards the process's environment is as it was before."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        _apply(values)
        yield
    finally:
        _apply(saved)
