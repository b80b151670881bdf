"""Thread settings for the tiny models of the learning path.

The models here are small (a 64x1000 matrix product is the largest piece of work), so the
thread pools of torch and of numpy's BLAS cost more in synchronisation than they gain, and on a
shared 2-core machine several busy pools oversubscribe the cores. pathlearn therefore trains
with one thread per pool unless told otherwise. `python -m benchmarks` (section `twolayer`) measures why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch
from threadpoolctl import threadpool_limits

from pathlearn.errors import InvalidInputError

__all__ = ["cpu_threads", "default_threads"]

ENV_VAR = "PATHLEARN_THREADS"


def default_threads() -> int:
    """Threads per pool used while training: `$PATHLEARN_THREADS`, or 1 when unset."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return 1
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if count < 1:
        raise InvalidInputError(f"{ENV_VAR} must be a positive integer, got {raw!r}")
    return count


@contextmanager
def cpu_threads(count: int | None = None) -> Iterator[int]:
    """Limit torch's intra-op pool and the BLAS/OpenMP pools to `count` threads.

    Args:
        count: Threads per pool; `None` means `default_threads()`.

    Yields:
        The thread count in force. The previous settings come back on exit.
    """
    count = default_threads() if count is None else count
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        with threadpool_limits(limits=count):
            yield count
    finally:
        torch.set_num_threads(previous)
