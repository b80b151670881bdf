"""Writing a run's results into `--out` so that a failed run leaves nothing half-written."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pathlearn.errors import InvalidInputError

__all__ = ["check_out_dir", "json_bytes", "write_files"]


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_out_dir(path: str | os.PathLike[str]) -> Path:
    """Check, before any training, that results can be written to `path`.

    The folder itself is created only when results are written, so a run that fails
    earlier leaves nothing behind.

    Raises:
        InvalidInputError: `path` is a file, lies under a file, or is not writable.
    """
    out = Path(path).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise InvalidInputError(f"cannot write to --out {str(path)!r}: it is a file, not a folder")
    base = _nearest_existing(out)
    if not base.is_dir():
        raise InvalidInputError(f"cannot write to --out {str(path)!r}: {str(base)!r} is not a folder")
    try:  # a real probe: os.access says yes to root even on read-only file systems
        with tempfile.TemporaryFile(dir=base):
            pass
    except OSError as error:
        raise InvalidInputError(
            f"cannot write to --out {str(path)!r}: {error.strerror or error}"
        ) from None
    return out


def json_bytes(data: Mapping[str, Any]) -> bytes:
    """`data` as indented UTF-8 JSON with a final newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


def write_files(out: Path, files: Mapping[str, bytes]) -> list[Path]:
    """Write every file of `files` (name -> content) into `out`, all or nothing.

    Contents are written and flushed to a hidden staging folder inside `out` first, then
    renamed into place; files already in `out` are replaced only once every new file is
    complete. Returns the paths written.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".pathlearn-", dir=out))
    except OSError as error:
        raise InvalidInputError(f"cannot write to --out {str(out)!r}: {error.strerror or error}") from None
    try:
        for name, content in files.items():
            with open(staging / name, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
        written = []
        for name in files:
            os.replace(staging / name, out / name)
            written.append(out / name)
        return written
    except OSError as error:
        raise InvalidInputError(f"cannot write to --out {str(out)!r}: {error.strerror or error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
