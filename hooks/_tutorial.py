"""The shape of a tutorial notebook: its main path, reading time, exercises and references.

Not a hook itself (the leading underscore keeps it out of `hooks:`): `learning_path.py` uses it
to render the page, `tests/test_tutorials.py` and `scripts/check_notebook.py` to check a
notebook. Plain Python and nbformat, no MkDocs. The conventions are in hooks/README.md
("The shape of a tutorial page").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import nbformat

FURTHER, HINT, SOLUTION, HELPER = "further", "hint", "solution", "helper"
OFF_PATH = (FURTHER, HINT, SOLUTION)  # collapsed: not part of the main path
BLOCK_TAGS = (*OFF_PATH, HELPER)

# Main-path bounds (issue "A learning path a beginner can walk").
MAX_WORDS_EN = 1800
MAX_CHARS_JA = 3600
MAX_CODE_CELLS = 25
MAX_MINUTES = 25
MAX_SHOWN_LINES = 40  # a main-path code cell (not a helper) is read whole
MIN_EXERCISES = 4

# Reading speed: prose at 200 English words or 500 Japanese characters a minute, plus 30 s to
# read and run each main-path code cell.
WORDS_PER_MINUTE = {"en": 200, "ja": 500}
SECONDS_PER_CODE_CELL = 30

FURTHER_TITLE = {"ja": "発展", "en": "Going further"}
EXERCISES_TITLE = {"ja": "練習問題", "en": "Exercises"}
REFERENCES_TITLE = {"ja": "参考文献", "en": "References"}
EXERCISE_RE = {
    "ja": re.compile(r"^###\s+練習\s*(\d+)\s*（(★{1,3})）[:：]\s*\S"),
    "en": re.compile(r"^###\s+Exercise\s+(\d+)\s+\((★{1,3})\):\s*\S"),
}

_FENCE_RE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.S | re.M)
_DISPLAY_MATH_RE = re.compile(r"\$\$.*?\$\$", re.S)
_INLINE_MATH_RE = re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$")
_CODE_SPAN_RE = re.compile(r"(`+)(.+?)\1", re.S)
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_URL_RE = re.compile(r"<?https?://\S+>?")
_TAG_RE = re.compile(r"<[^>\n]+>")
_MARKUP_RE = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+\.\s+|\|?\s*-{3,}.*$)|[*_|]", re.M)
_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’.-][A-Za-z0-9]+)*")
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


def tags(cell) -> set[str]:
    """The cell's tags that this module knows about."""
    return set(cell.get("metadata", {}).get("tags", [])) & set(BLOCK_TAGS)


def on_main_path(cell) -> bool:
    """Whether the cell is shown uncollapsed (helper cells are: their output is)."""
    return not tags(cell) & set(OFF_PATH)


def prose(markdown: str) -> str:
    """The words a reader reads in a markdown cell: no code, math, URLs, HTML or markup."""
    text = _FENCE_RE.sub(" ", markdown)
    text = _DISPLAY_MATH_RE.sub(" ", text)
    text = _INLINE_MATH_RE.sub(" ", text)
    text = _CODE_SPAN_RE.sub(" ", text)
    text = _IMAGE_RE.sub(r"\1", text)
    text = _LINK_RE.sub(r"\1", text)
    text = _URL_RE.sub(" ", text)
    text = _TAG_RE.sub(" ", text)
    return _MARKUP_RE.sub(" ", text)


def prose_size(markdown: str, lang: str) -> int:
    """English words (`en`) or non-space characters (`ja`) of the cell's prose."""
    text = prose(markdown)
    if lang == "ja":
        return len(re.sub(r"\s", "", text))
    return len(_WORD_RE.findall(text))


@dataclass(frozen=True)
class MainPath:
    """What the main path of one notebook holds."""

    lang: str
    prose: int  # words (en) or characters (ja)
    code_cells: int
    minutes: int

    @property
    def prose_limit(self) -> int:
        return MAX_CHARS_JA if self.lang == "ja" else MAX_WORDS_EN

    @property
    def unit(self) -> str:
        return "characters" if self.lang == "ja" else "words"


def main_path(nb, lang: str) -> MainPath:
    """Measure the main path of `nb` (a NotebookNode) in language `lang`."""
    cells = [c for c in nb.cells if on_main_path(c)]
    size = sum(prose_size(c.source, lang) for c in cells if c.cell_type == "markdown")
    code = sum(1 for c in cells if c.cell_type == "code")
    minutes = size / WORDS_PER_MINUTE[lang] + code * SECONDS_PER_CODE_CELL / 60
    return MainPath(lang=lang, prose=size, code_cells=code, minutes=max(1, math.ceil(minutes)))


def first_heading(markdown: str) -> tuple[int, str] | None:
    """`(level, text)` of the cell's first heading, or None."""
    match = _HEADING_RE.search(markdown)
    return (len(match.group(1)), match.group(2).strip()) if match else None


def blocks(nb) -> list[tuple[str, list[int]]]:
    """Runs of collapsed cells: `(tag, cell indices)`, in order.

    Consecutive cells with the same tag form one block; a `further` cell whose markdown starts
    with a heading starts a new block, so two "Going further" parts may follow each other.
    """
    runs: list[tuple[str, list[int]]] = []
    for i, cell in enumerate(nb.cells):
        kind = next((t for t in OFF_PATH if t in tags(cell)), None)
        if kind is None:
            continue
        starts_new = (
            not runs
            or runs[-1][0] != kind
            or runs[-1][1][-1] != i - 1
            or (kind == FURTHER and cell.cell_type == "markdown"
                and cell.source.lstrip().startswith("#"))
        )
        if starts_new:
            runs.append((kind, [i]))
        else:
            runs[-1][1].append(i)
    return runs


def problems(nb, lang: str) -> list[str]:
    """Everything in `nb` that breaks the conventions of hooks/README.md, as sentences."""
    found: list[str] = []
    cells = nb.cells
    if not cells or cells[0].cell_type != "markdown" or not cells[0].source.startswith("# "):
        found.append("the first cell must be markdown starting with the page title '# N. ...'")
    path = main_path(nb, lang)
    if path.prose > path.prose_limit:
        found.append(f"main path has {path.prose} {path.unit} of prose (at most {path.prose_limit})")
    if path.code_cells > MAX_CODE_CELLS:
        found.append(f"main path has {path.code_cells} code cells (at most {MAX_CODE_CELLS})")
    if path.minutes > MAX_MINUTES:
        found.append(f"main path reads in {path.minutes} min (at most {MAX_MINUTES})")
    for i, cell in enumerate(cells):
        if (cell.cell_type == "code" and on_main_path(cell) and HELPER not in tags(cell)
                and len(cell.source.splitlines()) > MAX_SHOWN_LINES):
            found.append(f"cell {i}: a main-path code cell has {len(cell.source.splitlines())} lines "
                         f"(at most {MAX_SHOWN_LINES}; tag plot-only code 'helper')")
        if HELPER in tags(cell) and cell.cell_type != "code":
            found.append(f"cell {i}: only code cells can be tagged 'helper'")
    for kind, indices in blocks(nb):
        first = cells[indices[0]]
        if kind == FURTHER:
            heading = first_heading(first.source) if first.cell_type == "markdown" else None
            if heading is None or not heading[1].startswith(FURTHER_TITLE[lang]):
                found.append(f"cell {indices[0]}: a 'further' block starts with a markdown heading "
                             f"'{FURTHER_TITLE[lang]}…'")
        elif kind == HINT and (len(indices) != 1 or first.cell_type != "markdown"):
            found.append(f"cell {indices[0]}: a hint is one markdown cell")
        elif kind == SOLUTION and not any(cells[i].cell_type == "code" for i in indices):
            found.append(f"cell {indices[0]}: a worked solution needs a code cell that runs")
    found += _exercise_problems(nb, lang)
    found += _reference_problems(nb, lang)
    return found


def exercises(nb, lang: str) -> list[tuple[int, int, str]]:
    """`(cell index, number, stars)` of every exercise heading."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and on_main_path(cell):
            match = EXERCISE_RE[lang].match(cell.source.lstrip())
            if match:
                out.append((i, int(match.group(1)), match.group(2)))
    return out


def _exercise_problems(nb, lang: str) -> list[str]:
    cells, found = nb.cells, []
    title = EXERCISES_TITLE[lang]
    section = [i for i, c in enumerate(cells) if c.cell_type == "markdown" and on_main_path(c)
               and (first_heading(c.source) or (0, ""))[:2] == (2, title)]
    if not section:
        return [f"no '## {title}' section"]
    found_exercises = exercises(nb, lang)
    if len(found_exercises) < MIN_EXERCISES:
        found.append(f"{len(found_exercises)} exercises (at least {MIN_EXERCISES})")
    numbers = [n for _, n, _ in found_exercises]
    if numbers != list(range(1, len(numbers) + 1)):
        found.append(f"exercises are numbered {numbers}, not 1, 2, 3, ...")
    for i, number, _ in found_exercises:
        if i < section[0]:
            found.append(f"exercise {number} comes before the '## {title}' heading")
        hint = cells[i + 1] if i + 1 < len(cells) else None
        if hint is None or HINT not in tags(hint):
            found.append(f"exercise {number}: the next cell must be its hint (tag 'hint')")
            continue
        solution = [c for c in cells[i + 2:] if SOLUTION in tags(c)]
        following = cells[i + 2:i + 2 + len(solution)]
        if not following or SOLUTION not in tags(following[0]):
            found.append(f"exercise {number}: its hint must be followed by its solution (tag 'solution')")
    return found


def _reference_problems(nb, lang: str) -> list[str]:
    title = REFERENCES_TITLE[lang]
    markdown = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and on_main_path(c)]
    if not markdown:
        return [f"no '## {title}' section"]
    i, last = markdown[-1]
    heading = first_heading(last.source)
    if heading is None or heading[:2] != (2, title):
        return [f"the last markdown cell must be the '## {title}' section"]
    if not re.search(r"\]\(https?://", last.source):
        return [f"'## {title}' has no links"]
    if any(c.cell_type == "code" for c in nb.cells[i + 1:]):
        return [f"code after '## {title}'"]
    return []


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)
