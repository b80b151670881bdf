"""--out handling: checked before training, written all or nothing."""

import json
import os

import pytest

from pathlearn import InvalidInputError
from pathlearn.outputs import check_out_dir, json_bytes, write_files


def test_check_out_dir_creates_nothing(tmp_path):
    out = tmp_path / "a" / "b"
    assert check_out_dir(out) == out
    assert not (tmp_path / "a").exists()
    assert list(tmp_path.iterdir()) == []


def test_check_out_dir_rejects_files_and_paths_under_files(tmp_path):
    file = tmp_path / "f"
    file.write_text("x")
    with pytest.raises(InvalidInputError, match="it is a file, not a folder"):
        check_out_dir(file)
    with pytest.raises(InvalidInputError, match="is not a folder"):
        check_out_dir(file / "sub")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_check_out_dir_rejects_read_only_folders(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(InvalidInputError, match="cannot write to --out"):
        check_out_dir(locked / "run")


def test_check_out_dir_rejects_read_only_file_systems():
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc here")
    with pytest.raises(InvalidInputError, match="cannot write to --out"):
        check_out_dir("/proc/self/pathlearn-out")


def test_write_files_writes_everything_and_leaves_no_staging(tmp_path):
    out = tmp_path / "run"
    written = write_files(out, {"a.json": json_bytes({"k": 1}), "b.bin": b"\x00\x01"})
    assert [p.name for p in written] == ["a.json", "b.bin"]
    assert json.loads((out / "a.json").read_text()) == {"k": 1}
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "b.bin"]


def test_a_failed_write_keeps_what_was_saved_before(tmp_path):
    out = tmp_path / "run"
    write_files(out, {"metrics.json": b"old", "plot.png": b"old"})
    (out / "weights.safetensors").mkdir()  # a folder in the way makes the last rename fail
    with pytest.raises(InvalidInputError, match="cannot write to --out"):
        write_files(out, {"weights.safetensors": b"new"})
    assert (out / "metrics.json").read_bytes() == b"old"
    assert sorted(p.name for p in out.iterdir()) == ["metrics.json", "plot.png", "weights.safetensors"]


def test_json_bytes_keeps_unicode_readable():
    assert json_bytes({"名前": "航空旅客"}).decode() == '{\n  "名前": "航空旅客"\n}\n'
