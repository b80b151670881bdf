"""The shipped airline series, and reading users' own series from CSV files."""

import numpy as np
import pytest

from pathlearn import InvalidInputError
from pathlearn.datasets import Series, load_airline, load_csv_series


def test_airline_is_box_jenkins_series_g():
    series = load_airline()
    assert isinstance(series, Series)
    assert series.values.dtype == np.float64 and series.values.shape == (144,)
    assert series.values.sum() == 40363
    first = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118]
    last = [417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432]
    assert series.values[:12].tolist() == first and series.values[-12:].tolist() == last
    assert series.labels[0] == "1949-01" and series.labels[-1] == "1960-12"
    assert len(series.labels) == 144 and len(set(series.labels)) == 144
    assert "thousands" in series.unit


def test_airline_seasonal_naive_rmse_is_the_published_50_7():
    values = load_airline().values
    rmse = np.sqrt(np.mean((values[-12:] - values[-24:-12]) ** 2))
    assert round(rmse, 1) == 50.7


def test_airline_is_frozen():
    series = load_airline()
    with pytest.raises(AttributeError):
        series.name = "other"  # type: ignore[misc]


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_with_date_labels_uses_the_last_numeric_column(tmp_path):
    path = write(tmp_path, "month,visitors,sales\n2020-01,5,10.5\n2020-02,6,11\n2020-03,7,12\n")
    series = load_csv_series(path)
    assert series.values.tolist() == [10.5, 11.0, 12.0]
    assert series.labels == ["2020-01", "2020-02", "2020-03"]
    assert "sales" in series.name


def test_csv_named_column_and_numeric_first_column(tmp_path):
    path = write(tmp_path, "a,b\n1,10\n2,20\n3,30\n")
    assert load_csv_series(path, "a").values.tolist() == [1, 2, 3]
    series = load_csv_series(path)
    assert series.values.tolist() == [10, 20, 30]
    assert series.labels == ["0", "1", "2"]  # a numeric first column is data, not labels


def test_csv_single_column_blank_lines_and_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffvalue\n1\n\n2\n3\n".encode())
    series = load_csv_series(path)
    assert series.values.tolist() == [1, 2, 3]
    assert load_csv_series(path, "value").values.tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    ("text", "column", "message"),
    [
        ("", None, "is empty"),
        ("\n\n", None, "is empty"),
        ("month,sales\n", None, "no data rows"),
        ("month,sales\n2020-01,1\n2020-02,2\n", "visitors",
         "no column 'visitors'; columns: month, sales"),
        ("month,sales\n2020-01,1\n2020-02,abc\n", None, "line 3, column 'sales': 'abc'"),
        ("month,sales\n2020-01,1\n2020-02,\n2020-03,3\n", None,
         "line 3, column 'sales': a missing value"),
        ("month,sales\n2020-01,1\n2020-02\n", None, "line 3, column 'sales': a missing value"),
        ("month,sales\n2020-01,1\n2020-02,nan\n", None, "'nan', which is not a finite number"),
        ("month,sales\n2020-01,1\n", None, "has 1 value; need at least 2"),
        ("month,note\n2020-01,x\n2020-02,y\n", None, "no numeric column; columns: month, note"),
    ],
)
def test_bad_csv_is_one_clear_line(tmp_path, text, column, message):
    path = write(tmp_path, text)
    with pytest.raises(InvalidInputError) as info:
        load_csv_series(path, column)
    text = str(info.value)
    assert message in text and "\n" not in text
    assert "data.csv" in text


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_csv_series(tmp_path / "nope.csv")
    with pytest.raises(InvalidInputError, match="cannot read CSV file"):
        load_csv_series(tmp_path)  # a directory
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(InvalidInputError, match="cannot read CSV file"):
        load_csv_series(binary)
