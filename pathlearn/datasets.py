"""Time series to forecast: the airline passengers, or your own series from a CSV file."""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from pathlearn.errors import InvalidInputError

__all__ = ["Series", "load_airline", "load_csv_series"]


@dataclass(frozen=True)
class Series:
    """A univariate time series.

    Attributes:
        values: The observations, oldest first (float64).
        labels: One label per value, e.g. `"1949-01"`; row numbers when the file had none.
        name: What the series is.
        unit: Unit of the values (may be empty).
    """

    values: np.ndarray
    labels: list[str] = field(repr=False)
    name: str = "series"
    unit: str = ""

    def __len__(self) -> int:
        return len(self.values)


def load_airline() -> Series:
    """Monthly international airline passengers, Jan 1949 to Dec 1960 (144 values).

    Box & Jenkins' Series G (R's `AirPassengers`), in thousands of passengers, shipped with
    pathlearn so it loads offline.
    """
    text = resources.files("pathlearn").joinpath("data", "airline.csv").read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))[1:]
    return Series(
        values=np.array([float(passengers) for _, passengers in rows]),
        labels=[month for month, _ in rows],
        name="Airline passengers",
        unit="thousands of passengers",
    )


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def load_csv_series(path: str | os.PathLike[str], column: str | None = None) -> Series:
    """Read one numeric column of a CSV file with a header row.

    Args:
        path: The CSV file.
        column: Header of the column to use; by default the only numeric column, or the last
            one when there are several. If the first column is not numeric (e.g. dates), its
            entries become the labels.

    Raises:
        InvalidInputError: the file is missing, unreadable or empty, the column does not
            exist, a value is missing or not a number (the row is named), or there are fewer
            than 2 values.
    """
    where = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except FileNotFoundError:
        raise InvalidInputError(f"CSV file {where!r} does not exist") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidInputError(f"cannot read CSV file {where!r}: {reason}") from None
    if not rows:
        raise InvalidInputError(f"CSV file {where!r} is empty")
    header, body = [name.strip() for name in rows[0]], rows[1:]
    if not body:
        raise InvalidInputError(f"CSV file {where!r} has a header but no data rows")

    def cell(row: list[str], index: int) -> str:
        return row[index].strip() if index < len(row) else ""

    if column is not None:
        if column not in header:
            raise InvalidInputError(
                f"CSV file {where!r} has no column {column!r}; columns: {', '.join(header)}"
            )
        index = header.index(column)
    else:
        # A column is numeric when its first data row holds a number
        numeric = [i for i in range(len(header)) if _number(cell(body[0], i)) is not None]
        if not numeric:
            raise InvalidInputError(
                f"CSV file {where!r} has no numeric column; columns: {', '.join(header)}"
            )
        index = numeric[-1]

    values = []
    for line, row in enumerate(body, start=2):  # line 1 is the header
        value = _number(cell(row, index))
        if value is None:
            text = cell(row, index)
            what = "a missing value" if not text else f"{text!r}, which is not a finite number"
            raise InvalidInputError(
                f"CSV file {where!r}, line {line}, column {header[index]!r}: {what}"
            )
        values.append(value)
    if len(values) < 2:
        raise InvalidInputError(f"CSV file {where!r} has {len(values)} value; need at least 2")

    labeled = index != 0 and _number(cell(body[0], 0)) is None
    labels = [cell(row, 0) for row in body] if labeled else [str(i) for i in range(len(values))]
    name = f"{os.path.basename(where)}: {header[index]}"
    return Series(values=np.array(values, dtype=np.float64), labels=labels, name=name)
