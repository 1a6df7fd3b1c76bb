"""Atomic writes and model files: a failed write keeps the old file; paths used as given."""

from __future__ import annotations

import errno
import io
import os
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from chainrule.files import atomic_path, output_path, write_text
from chainrule.models import MLP, TwoLayerSigmoid, UnivariateRegression, read_saved
from chainrule.models.base import read_extra

OLD = b"the user's previous file\x00\x01" * 100


def full_disk(data: bytes, f: Any) -> None:
    """Writes half of ``data`` to ``f`` (a path or a binary file), then fails as a full disk."""
    half = data[: len(data) // 2]
    if isinstance(f, str | os.PathLike):
        Path(f).write_bytes(half)
    else:
        f.write(half)
        f.flush()
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def assert_intact(target: Path) -> None:
    """The old bytes are there and nothing else is in the folder."""
    assert target.read_bytes() == OLD
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


# --- atomic_path ----------------------------------------------------------------


def test_atomic_path_replaces_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".out.bin.")
        assert tmp.suffix == ".bin"  # writers that read the format from the name see it
        tmp.write_bytes(b"new")
        assert target.read_bytes() == OLD  # not yet renamed
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_atomic_path_failure_keeps_old_file_and_removes_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    with pytest.raises(OSError) as info, atomic_path(target) as tmp:
        full_disk(b"x" * 1000, tmp)
    assert info.value.errno == errno.ENOSPC
    assert_intact(target)


def test_atomic_path_interrupt_removes_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(OLD)
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_bytes(b"partial")
        raise KeyboardInterrupt
    assert_intact(target)


def test_atomic_path_keeps_permissions_and_follows_links(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_bytes(OLD)
    target.chmod(0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_text(link, "new")
    assert link.is_symlink() and target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    umask = os.umask(0o022)
    try:
        fresh = write_text(tmp_path / "fresh.txt", "x")
    finally:
        os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0o600


@pytest.mark.parametrize(
    ("given", "expected"),
    [("model", "model.npz"), ("m.txt", "m.txt"), ("m.npz", "m.npz"), (".hidden", ".hidden.npz")],
)
def test_output_path_adds_suffix_only_when_there_is_none(
    tmp_path: Path, given: str, expected: str
) -> None:
    assert output_path(tmp_path / given, ".npz") == tmp_path / expected


@pytest.mark.parametrize("given", ["", " ", ".", "..", "sub/", "sub"])
def test_output_path_refuses_directories_and_empty_names(
    tmp_path: Path, given: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"directory|empty") as info:
        output_path(given, ".npz")
    if given.strip():
        assert repr(given.rstrip("/")) in str(info.value) or repr(given) in str(info.value)


def test_output_path_names_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        output_path(tmp_path / "nowhere" / "m.npz", ".npz")


# --- model files ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["model", "m.txt", "m.npz", "m.tar.gz"])
def test_save_path_used_as_given_and_read_back(tmp_path: Path, name: str) -> None:
    model = TwoLayerSigmoid(3, 4, seed=1)
    written = model.save(tmp_path / name)
    assert written == tmp_path / (name if "." in name else name + ".npz")
    assert [p.name for p in tmp_path.iterdir()] == [written.name]
    for given in (tmp_path / name, str(tmp_path / name), written):
        other = TwoLayerSigmoid(3, 4, seed=2)
        other.load_params(given)
        for k, v in model.params.items():
            np.testing.assert_array_equal(other.params[k], v)
        assert read_saved(given) == ("two-layer-sigmoid", {"n_features": 3, "n_hidden": 4})


def test_save_refuses_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for bad in (".", "", str(tmp_path)):
        with pytest.raises(ValueError, match=r"directory|empty"):
            UnivariateRegression().save(bad)
    assert list(tmp_path.iterdir()) == []


def test_load_names_both_candidates_when_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"noext'.*noext\.npz"):
        UnivariateRegression().load_params(tmp_path / "noext")


def test_extra_arrays_round_trip(tmp_path: Path) -> None:
    model = MLP([2, 5, 1], activation="relu")
    mean, scale = np.array([[0.5], [-1.0]]), np.array([[2.0], [3.0]])
    path = model.save(tmp_path / "m", extra={"mean": mean, "scale": scale, "note": "z-score"})
    extra = read_extra(path)
    assert set(extra) == {"mean", "scale", "note"}
    np.testing.assert_array_equal(extra["mean"], mean)
    np.testing.assert_array_equal(extra["scale"], scale)
    assert str(extra["note"]) == "z-score"
    assert read_extra(UnivariateRegression().save(tmp_path / "plain")) == {}
    other = MLP([2, 5, 1], activation="relu", seed=9)
    other.load_params(path)  # extras are not parameters
    np.testing.assert_array_equal(other.params["W1"], model.params["W1"])
    with pytest.raises(ValueError, match="objects"):
        model.save(tmp_path / "o", extra={"bad": np.array([{}], dtype=object)})
    with pytest.raises(ValueError, match="names"):
        model.save(tmp_path / "o", extra={"a/b": mean})


def test_failed_model_save_keeps_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "model.npz"
    target.write_bytes(OLD)
    real = np.savez

    def savez(f: Any, **arrays: Any) -> None:
        buffer = io.BytesIO()
        real(buffer, **arrays)
        full_disk(buffer.getvalue(), f)

    monkeypatch.setattr(np, "savez", savez)
    with pytest.raises(OSError, match="No space"):
        MLP([3, 64, 64, 1]).save(target)
    assert_intact(target)


def test_load_checks_names_before_reading_arrays(tmp_path: Path) -> None:
    """An extra 3000x3000 array (72 MB) is refused from its header: no array is read."""
    model = UnivariateRegression(seed=0)
    path = model.save(tmp_path / "m.npz")
    header = {"descr": "<f8", "fortran_order": False, "shape": (3000, 3000)}
    with (
        zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z,
        z.open("W9.npy", "w", force_zip64=True) as f,
    ):
        np.lib.format.write_array_header_1_0(f, header)
        row = bytes(3000 * 8)
        for _ in range(3000):
            f.write(row)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"unexpected \['W9'\]"):
            model.load_params(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"peak {peak} bytes"


def test_load_checks_shapes_before_reading(tmp_path: Path) -> None:
    path = TwoLayerSigmoid(3, 4).save(tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"m\.npz: parameter W1 has shape \(4, 3\).*\(5, 3\)"):
        TwoLayerSigmoid(3, 5).load_params(path)
    with pytest.raises(ValueError, match="holds a 'two-layer-sigmoid' model, not 'mlp'"):
        MLP([3, 4, 1]).load_params(path)


@pytest.mark.parametrize("cut", [0, 10, 200, -30])
def test_truncated_file_is_a_clear_error(tmp_path: Path, cut: int) -> None:
    path = TwoLayerSigmoid(3, 4).save(tmp_path / "m.npz")
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    for read in (TwoLayerSigmoid(3, 4).load_params, read_saved, read_extra):
        with pytest.raises(ValueError, match=r"m\.npz: not a readable chainrule model file"):
            read(path)


def test_corrupt_array_bytes_are_a_clear_error(tmp_path: Path) -> None:
    path = TwoLayerSigmoid(3, 4).save(tmp_path / "m.npz")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("W1.npy")
    at = info.header_offset + 30 + len(info.filename) + info.compress_size - 3
    data[at] ^= 0xFF  # one byte of W1's numbers: the CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"m\.npz: not a readable.*CRC"):
        TwoLayerSigmoid(3, 4).load_params(path)


def test_entry_whose_size_contradicts_its_header_is_refused(tmp_path: Path) -> None:
    """A header that claims a huge array over a few bytes is refused, not allocated."""
    path = tmp_path / "m.npz"
    with zipfile.ZipFile(path, "w") as z:
        buffer = io.BytesIO()
        np.save(buffer, np.asarray("univariate"))
        z.writestr("__model__.npy", buffer.getvalue())
        buffer = io.BytesIO()
        header = {"descr": "<f8", "fortran_order": False, "shape": (100000, 100000)}
        np.lib.format.write_array_header_1_0(buffer, header)
        z.writestr("__extra__mean.npy", buffer.getvalue() + bytes(8))
    with pytest.raises(ValueError, match="its header says"):
        read_extra(path)


def test_save_refuses_a_hyperparameter_that_is_not_numbers_or_text(tmp_path: Path) -> None:
    class Odd(UnivariateRegression):
        def hyperparameters(self) -> dict[str, Any]:
            return {"schedule": {"lr": 0.1}}

    with pytest.raises(ValueError, match=r"hyperparameter schedule=\{'lr': 0.1\} cannot be"):
        Odd().save(tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_compressed_archive_reads_the_same(tmp_path: Path) -> None:
    model = TwoLayerSigmoid(3, 4, seed=3)
    path = tmp_path / "c.npz"
    arrays = {"__model__": np.asarray(model.name), "__hyper__n_features": np.asarray(3)}
    np.savez_compressed(path, **arrays, **{"__hyper__n_hidden": np.asarray(4)}, **model.params)
    assert read_saved(path) == ("two-layer-sigmoid", {"n_features": 3, "n_hidden": 4})
    other = TwoLayerSigmoid(3, 4, seed=4)
    other.load_params(path)
    np.testing.assert_array_equal(other.params["W1"], model.params["W1"])
