"""Give the memory a finished step freed back to the operating system.

A refresh runs its steps in one long-lived process, and dbt in a child beside it. Memory a step
has freed stays in the process's allocators: glibc's malloc keeps freed pages of pandas and
numpy arrays, and pyarrow's memory pool (mimalloc) keeps its own. Measured after the GX check of
20 M national postings: the refresh's process held 3,5 GB for the whole dbt step that followed
(dbt's own process 4,3 GB beside it); `malloc_trim` and the pool's `release_unused` give back
2,5 GB of it at once. polars' and DuckDB's allocators (jemalloc) return theirs on their own.
"""

from __future__ import annotations

import ctypes
import gc
from functools import cache


@cache
def _libc_malloc_trim():
    """glibc's `malloc_trim` from the C library this process runs on, or None where it has none
    (musl, macOS)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Collect Python's garbage (GX's objects hold pandas frames in reference cycles) and return
    the freed pages of glibc's heap and pyarrow's pool to the operating system. The collection
    costs ~0,1–0,3 s in a refresh's process, so call it when a step that held large frames ends,
    not after every small one. Never raises."""
    gc.collect()
    trim = _libc_malloc_trim()
    if trim is not None:
        trim(0)
    import pyarrow as pa  # pyarrow is imported by then: polars and DuckDB hand frames through it

    pa.default_memory_pool().release_unused()
