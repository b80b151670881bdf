"""Plots as image files next to their page, instead of base64 inside it.

Not a hook itself (the leading underscore keeps it out of `hooks:`): `learning_path.py` calls
`extract` in `on_page_content` and `write` in `on_post_page`. nbconvert's lab template
(templates/lab/base.html.j2, `data_png`) inlines every PNG output as a `data:` URI and
mkdocs-jupyter has no option to extract outputs, so a tutorial page weighed 0.3-1 MB, most of it
base64 that the browser had to parse before the first paint, and that search had to skip.

Each plot becomes `plot-<sha256 of the file, 16 hex>.webp` (lossless WebP: the same pixels,
about 60 % fewer bytes than matplotlib's PNG) or `.png` when the PNG is smaller, with its
`width`, `height` (no layout shift; `.md-typeset img` keeps `height: auto`), `loading="lazy"`
and `decoding="async"`. The encoded file is cached in `.cache/plots/`, keyed by the PNG, so a
warm rebuild only hashes; the cache follows `_cachefs.py` (atomic writes, a damaged file is
discarded with one warning line, unused files go after MAX_AGE_DAYS). Plain Python and Pillow
(a dependency of matplotlib), no MkDocs.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import PIL
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
from _cachefs import (  # noqa: E402
    MAX_AGE_DAYS,
    atomic_write,
    older_than,
    remove_stale_temp_files,
    touch,
    warn_discarded,
)

IMG_RE = re.compile(r'<img\b([^>]*?)\ssrc="data:image/png;base64,([^"]+)"([^>]*?)\s*/?>')
SIZE_ATTR_RE = re.compile(r'\s(?:width|height|loading|decoding)="[^"]*"')
# Part of the cache key: a change of encoder or settings re-encodes every plot.
ENCODING = f"webp-lossless-method4/pillow-{PIL.__version__}"


@dataclass(frozen=True)
class Plot:
    name: str  # the file name next to the page, content-hashed
    data: bytes
    width: int
    height: int


def _opaque_rgb(image: Image.Image) -> Image.Image:
    """Drop an alpha channel that is opaque everywhere (matplotlib writes RGBA even on a white
    figure). A plot with any transparent pixel keeps it, so the site tests still see it: a
    transparent background would be dark-on-dark in the dark scheme."""
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        return image.convert("RGB")
    return image


def encode(png: bytes) -> tuple[str, bytes]:
    """The smaller of lossless WebP and the PNG as it came: (extension, bytes)."""
    image = Image.open(io.BytesIO(png))
    image.load()
    buffer = io.BytesIO()
    _opaque_rgb(image).save(buffer, format="WEBP", lossless=True, method=4)
    webp = buffer.getvalue()
    return ("webp", webp) if len(webp) < len(png) else ("png", png)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _cached(cache_dir: Path, key: str) -> tuple[str, bytes] | None:
    """(extension, bytes) of the cached file for `key`, if whole: its name carries its hash, so
    a file cut short or damaged is noticed, deleted and encoded again (one warning line)."""
    for path in cache_dir.glob(f"{key}-*"):
        digest, _, ext = path.name[len(key) + 1:].partition(".")
        try:
            data = path.read_bytes()
        except OSError:  # gone meanwhile (another build evicted or replaced it)
            continue
        if ext in ("webp", "png") and _digest(data) == digest:
            touch(path)  # last use: `evict` keeps what builds still use
            return ext, data
        warn_discarded(f"plot {path.name}", "content does not match its hash, cut short?")
        with contextlib.suppress(OSError):
            path.unlink()
    return None


def convert(png: bytes, cache_dir: Path | None) -> Plot:
    """The file for one PNG output, from the cache when it was encoded before."""
    key = hashlib.sha256(ENCODING.encode() + b"\0" + png).hexdigest()
    found = _cached(cache_dir, key) if cache_dir is not None else None
    ext, data = found if found is not None else encode(png)
    digest = _digest(data)
    if found is None and cache_dir is not None:
        atomic_write(cache_dir / f"{key}-{digest}.{ext}", data)
    width, height = Image.open(io.BytesIO(data)).size  # reads the header only
    return Plot(f"plot-{digest}.{ext}", data, width, height)


def evict(cache_dir: Path, now: float | None = None) -> list[Path]:
    """Delete the cached plots that no build used for MAX_AGE_DAYS (each build touches what it
    uses; age, not this build's set, as each language is a build of its own) and what
    interrupted writes left. Returns the deleted files."""
    if not cache_dir.is_dir():
        return []
    remove_stale_temp_files(cache_dir, now)
    old = [p for p in cache_dir.glob("*-*.*") if older_than(p, MAX_AGE_DAYS * 86400, now)]
    for path in old:
        with contextlib.suppress(OSError):  # another build may delete it first
            path.unlink()
    return old


def extract(content: str, cache_dir: Path | None) -> tuple[str, list[Plot]]:
    """Replace every `<img src="data:image/png;base64,...">` in `content` by a file reference.

    Returns the new HTML and the plots to write next to the page. Other attributes (the alt
    text that `describe_plots` put there, the class) stay as they are.
    """
    plots: list[Plot] = []

    def replace(match: re.Match) -> str:
        png = base64.b64decode("".join(match.group(2).split()))
        plot = convert(png, cache_dir)
        plots.append(plot)
        before = SIZE_ATTR_RE.sub("", match.group(1))
        after = SIZE_ATTR_RE.sub("", match.group(3))
        return (f'<img{before} src="{plot.name}" width="{plot.width}" height="{plot.height}"'
                f' loading="lazy" decoding="async"{after}>')

    return IMG_RE.sub(replace, content), plots


def write(plots: list[Plot], directory: Path) -> None:
    """Write the plots into the page's directory of the built site (a name is its content, so
    an existing file with that name and size is already right)."""
    directory.mkdir(parents=True, exist_ok=True)
    for plot in plots:
        target = directory / plot.name
        if not (target.is_file() and target.stat().st_size == len(plot.data)):
            target.write_bytes(plot.data)
