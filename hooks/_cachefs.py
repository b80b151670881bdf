"""Cache files that survive faults: atomic writes, reads that discard a broken entry, file locks.

Not a hook itself (the leading underscore keeps it out of `hooks:`): `_nbexec.py`,
`notebook_exec.py`, `cli_help.py` and `jinja_cache.py` share it. Plain Python, no MkDocs.

* Every cache file is written to a temporary file in its own folder and moved into place with
  `os.replace`, so a crash leaves the old file or the new one, never half of one.
* A cache file that cannot be read (cut short, invalid, missing a field) is deleted and rebuilt
  by the caller, with one warning line in the build log. The line goes to stderr through the
  logger `pathlearn.cache`, not through MkDocs' logger, so it does not fail `--strict`: the
  build's result is right, only slower.
* `FileLock` is an exclusive `fcntl.flock` on a lock file, for one cache entry, so that two
  processes sharing `.cache/` (`mkdocs serve` and a test build) do not build the same entry twice.
  Without `fcntl` (Windows) it locks nothing: there every build fends for itself, and the atomic
  writes still keep each file whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

# Eviction, for every cache here: an entry the current build uses is never removed; any other
# entry goes when it has not been used for MAX_AGE_DAYS, or when KEEP_PER_SOURCE newer entries of
# the same source (notebook, CLI command) exist.
MAX_AGE_DAYS = 30
KEEP_PER_SOURCE = 2
# Leftovers of an interrupted write (`.NAME.*.tmp`) older than this are removed.
STALE_TEMP_SECONDS = 3600

log = logging.getLogger("pathlearn.cache")
if not log.handlers:
    _handler = logging.StreamHandler(sys.stderr)
    _handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))  # MkDocs' look
    log.addHandler(_handler)
    log.setLevel(logging.INFO)
    log.propagate = False


class CacheEntryError(ValueError):
    """A cache file exists but cannot be used (the message says why, in a few words)."""


def warn_discarded(what: str, reason: str) -> None:
    """The one line a broken cache entry gets in the build log."""
    reason = " ".join(str(reason).split())
    log.warning("cache: %s could not be read (%s); discarded and rebuilt", what, reason)


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and `os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def describe_error(exc: BaseException) -> str:
    """A few words for an exception of reading a cache file."""
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON at character {exc.pos}, cut short?"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, FileNotFoundError):
        return f"{Path(exc.filename or '?').name} is missing"
    return f"{type(exc).__name__}: {exc}"


def read_json(path: Path, what: str, check: Callable[[object], object] | None = None):
    """The JSON value in `path`, or None when there is no such file.

    A file that cannot be read, is not JSON, or fails `check` (which raises, or returns a false
    value) is deleted with one warning line, and None is returned: the caller rebuilds it.
    """
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
        if check is not None and not check(value):
            raise CacheEntryError("unexpected content")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        warn_discarded(what, describe_error(exc))
        with contextlib.suppress(OSError):
            os.unlink(path)
        return None
    return value


def touch(path: Path) -> None:
    """Mark a cache file as used now (its mtime is its last use; eviction reads it)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def older_than(path: Path, seconds: float, now: float | None = None) -> bool:
    try:
        return (now or time.time()) - path.stat().st_mtime > seconds
    except OSError:
        return False


def discard_dir(path: Path) -> None:
    """Remove a folder so that nobody sees it half removed: rename it away, then delete it."""
    trash = path.with_name(f".trash-{path.name}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(path, trash)
    except FileNotFoundError:
        return
    except OSError:
        trash = path
    shutil.rmtree(trash, ignore_errors=True)


def remove_stale_temp_files(directory: Path, now: float | None = None) -> None:
    """Delete what interrupted writes left behind (`atomic_write`'s and Jinja's `*.tmp`)."""
    with contextlib.suppress(OSError):
        for path in Path(directory).iterdir():
            if path.name.endswith(".tmp") and path.is_file() and older_than(path, STALE_TEMP_SECONDS, now):
                with contextlib.suppress(OSError):
                    path.unlink()


class FileLock:
    """An exclusive lock on `path` (created if missing), held between processes and threads.

    The lock file may be deleted by whoever holds the lock (`release(remove=True)`); a waiter
    that then gets the lock on the deleted file notices and locks the new one instead.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    def acquire(self, blocking: bool = True, on_wait: Callable[[], None] | None = None) -> bool:
        """Take the lock; `on_wait` is called once if another holder makes this wait. Without
        `blocking`, returns False at once when the lock is held elsewhere."""
        if fcntl is None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        told = False
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    if not blocking:
                        os.close(fd)
                        return False
                    if on_wait is not None and not told:
                        told = True
                        on_wait()
                    fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
                except FileNotFoundError:
                    same = False
            except BaseException:
                os.close(fd)
                raise
            if same:
                self._fd = fd
                return True
            os.close(fd)  # the file was removed while we waited: lock the one there now

    def release(self, remove: bool = False) -> None:
        if self._fd is None:
            return
        if remove:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
