"""Project files (engine/files/project_file.py): what Save writes comes back exactly, old versions still
open, and a damaged or hostile file is refused with one DataError that names the file and the field,
before anything is built from it."""

from __future__ import annotations

import functools
import io
import json
import math
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import DataError
from engine.files import project_zip
from engine.files.project_file import MAX_FILE_BYTES, Project, load_project, save_project
from engine.training.config import TrainingConfig
from tests.project_samples import FORMAT, make_project, v2_document, write_json


def refusal(path: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_project(path)
    assert caught.value.path == str(path)
    return str(caught.value)


# --- what Save writes --------------------------------------------------------------------------------------
def test_save_writes_a_zip_that_opens_to_the_same_project(tmp_path: Path) -> None:
    project = make_project()
    path = tmp_path / "fit.gdsproj"
    save_project(project, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        document = json.loads(archive.read("project.json"))
        assert archive.getinfo("project.json").compress_type == zipfile.ZIP_DEFLATED
        assert archive.getinfo("runs/0/loss_history.npy").compress_type == zipfile.ZIP_STORED
    assert document["version"] == 3 and "points/x.npy" in names and "runs/0/path_epochs.npy" in names

    loaded = load_project(path)
    assert loaded.points == project.points and loaded.config == project.config
    assert [(run.config, run.shown) for run in loaded.runs] == [(run.config, run.shown) for run in project.runs]
    first, diverged = loaded.runs
    np.testing.assert_array_equal(first.result.loss_history, project.runs[0].result.loss_history)
    assert first.path is not None and first.path[0].dtype == np.int64
    for got, want in zip(first.path, project.runs[0].path or (), strict=True):
        np.testing.assert_array_equal(got, want)
    assert first.result.config == TrainingConfig(seed=7).to_dict() and first.result.weight == 1.75
    assert diverged.path is None and diverged.result.epochs_run == 0 and math.isnan(diverged.result.final_loss)
    assert diverged.result.suggested_learning_rate == 0.001 and diverged.result.stop_reason == "diverged"


def test_version_2_and_version_1_files_still_open(tmp_path: Path) -> None:
    document = v2_document()
    document["runs"][0]["result"].update(final_loss=math.nan, loss_history=[], epochs_run=0)  # NaN: no epoch
    document["runs"][0]["path"] = {"epochs": [], "weights": [], "biases": []}
    loaded = load_project(write_json(tmp_path / "v2.gdsproj", document))
    assert loaded.points.x.tolist() == [1.0, 2.0, 3.0] and loaded.runs[0].config.seed == 4
    assert math.isnan(loaded.runs[0].result.final_loss)

    v1 = {"format": FORMAT, "version": 1, "points": {"x": [1, 2], "y": [3, 5]}, "config": {"epochs": 9},
          "result": {**v2_document()["result"], "config": {"seed": 11}}}
    old = load_project(write_json(tmp_path / "v1.gdsproj", v1))
    assert old.config.epochs == 9 and [run.config.seed for run in old.runs] == [11]
    assert old.result is not None and old.result.loss_history.tolist() == [2.0, 1.0, 0.5]


def test_the_model_settings_are_kept_and_older_files_take_their_defaults(tmp_path: Path) -> None:
    settings = {"degree": 9, "loss": "huber", "huber_delta": 0.5, "l2": 0.01, "l1": 0.002, "optimizer": "adamw",
                "schedule": "step", "step_size": 7, "gamma": 0.8, "validation_fraction": 0.25}
    config = TrainingConfig(**settings)  # type: ignore[arg-type]
    project = make_project()
    path = tmp_path / "poly.gdsproj"
    save_project(Project(points=project.points, config=config, runs=project.runs), path)
    assert load_project(path).config == config
    older = load_project(write_json(tmp_path / "v2.gdsproj", v2_document()))  # written before these settings
    defaults = TrainingConfig()
    assert all(getattr(older.config, name) == getattr(defaults, name) for name in settings if name != "optimizer")


def test_a_polynomial_run_keeps_its_coefficients_and_validation_losses(tmp_path: Path) -> None:
    from engine.data.points import PointSet
    from engine.files.project_file import SavedRun
    from engine.training.trainer import train

    rng = np.random.default_rng(4)
    x = rng.uniform(0, 10, 30)
    points = PointSet.from_columns(x, 0.2 * x**2 - x + rng.normal(0, 0.3, 30))
    config = TrainingConfig(degree=4, standardize=True, optimizer="adam", learning_rate=0.05, epochs=40,
                            validation_fraction=0.3)
    result = train(points, config)
    path = tmp_path / "poly.gdsproj"
    save_project(Project(points, config, [SavedRun(config, result)]), path)
    reopened = load_project(path).runs[0].result
    assert reopened.coefficients == result.coefficients and len(reopened.coefficients) == 5
    assert reopened.validation_loss == result.validation_loss is not None
    assert result.validation_history is not None and reopened.validation_history is not None
    np.testing.assert_array_equal(reopened.validation_history, result.validation_history)
    assert (reopened.x_center, reopened.x_spread) == (result.x_center, result.x_spread)


def test_column_names_from_a_file_are_one_clean_line(tmp_path: Path) -> None:
    document = v2_document()
    document["points"] |= {"x_name": "height\ncm\u202e", "y_name": "height cm"}
    project = load_project(write_json(tmp_path / "names.gdsproj", document))
    assert project.column_names == ("height cm", "height cm (2)")


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    document = v2_document()
    document["from_the_future"] = {"deep": [[1, 2], {"x": None}]}
    document["runs"][0]["result"]["new_metric"] = "anything"
    assert load_project(write_json(tmp_path / "newer.gdsproj", document)).runs[0].result.epochs_run == 3


# --- what opening refuses ---------------------------------------------------------------------------------
def _set(*keys: str | int, value: Any):
    def edit(document: dict[str, Any]) -> None:
        target: Any = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return edit


BAD_FIELDS = [
    (_set("config", "seed", value="abc"), 'config.seed: expected an int, got "abc".'),
    (_set("points", "x", 1, value=1e200), "points.x[1]: 1e+200 is too large to train on"),
    (_set("runs", 0, "config", "seed", value="0\nimport pathlib; pathlib.Path('x').unlink()"),
     "runs[0].config.seed: expected an int, got \"0\\nimport pathlib"),
    (_set("config", value=[1, 2]), "config: expected an object or null, got a list of 2 values."),
    (_set("runs", value="abc"), 'runs: expected a list or null, got "abc".'),
    (_set("runs", 0, "result", "epochs_run", value=10**400), "runs[0].result.epochs_run: expected an int ≤ 1000000000"),
    (_set("config", "seed", value=2**31), "config.seed: expected an int ≤ 2147483647"),
    (_set("config", "seed", value=True), "config.seed: expected an int, got true."),
    (_set("config", "learning_rate", value=2e6), "config.learning_rate: expected a number ≤ 1000000"),
    (_set("config", "learning_rate", value=0), "config.learning_rate: expected a number > 0"),
    (_set("config", "momentum", value=1.0), "config.momentum: expected a number < 1"),
    (_set("config", "epochs", value=0), "config.epochs: expected an int ≥ 1"),
    (_set("config", "batch_size", value=0), "config.batch_size: expected an int ≥ 1"),
    (_set("config", "optimizer", value="lbfgs"),
     'config.optimizer: expected one of sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, got "lbfgs"'),
    (_set("config", "degree", value=11), "config.degree: expected an int ≤ 10, got 11."),
    (_set("config", "degree", value=2.0), "config.degree: expected an int, got 2.0."),
    (_set("config", "loss", value="hinge"), 'config.loss: expected one of mse, mae, huber, got "hinge"'),
    (_set("config", "huber_delta", value=0), "config.huber_delta: expected a number > 0"),
    (_set("config", "l2", value=-0.1), "config.l2: expected a number ≥ 0"),
    (_set("config", "l1", value=math.inf), "config.l1: expected a number ≤ 1000000"),
    (_set("config", "schedule", value="cyclic"), "config.schedule: expected one of constant, step, exponential"),
    (_set("config", "step_size", value=0), "config.step_size: expected an int ≥ 1"),
    (_set("config", "gamma", value=1.5), "config.gamma: expected a number ≤ 1"),
    (_set("config", "validation_fraction", value=0.6), "config.validation_fraction: expected a number ≤ 0.5"),
    (_set("config", "path", value="jit"), "config.path: expected one of auto, fused, autograd"),
    (_set("config", "device", value="cpu; rm -rf"), "config.device: expected a device"),
    (_set("config", "standardize", value="yes"), "config.standardize: expected true or false"),
    (_set("runs", 0, "result", "stop_reason", value="boom"), "runs[0].result.stop_reason: expected one of"),
    (_set("runs", 0, "result", "weight", value=math.nan), "runs[0].result.weight: expected a finite number, got nan"),
    (_set("runs", 0, "result", "bias", value=math.inf), "runs[0].result.bias: expected a finite number, got inf"),
    (_set("runs", 0, "result", "elapsed_s", value=-1.0), "runs[0].result.elapsed_s: expected a number ≥ 0"),
    (_set("runs", 0, "result", "elapsed_s", value=math.inf), "runs[0].result.elapsed_s"),
    (_set("runs", 0, "result", "final_loss", value=math.nan), "runs[0].result.final_loss: expected a finite number"),
    (_set("runs", 0, "result", "loss_history", 1, value=-1.0), "runs[0].result.loss_history[1]: expected a finite "
                                                               "number ≥ 0, got -1.0."),
    (_set("runs", 0, "result", "loss_history", 2, value=10**400), "runs[0].result.loss_history[2]: expected a finite"),
    (_set("runs", 0, "result", "epochs_run", value=4), "runs[0].result.loss_history: has 3 values; expected 4."),
    (_set("runs", 0, "result", "message", value="x" * 20_000), "runs[0].result.message: expected at most 10,000 "
                                                                 "characters"),
    (_set("runs", 0, "path", "epochs", value=[1, 3, 2]), "runs[0].path.epochs[2]: expected epochs in increasing order"),
    (_set("runs", 0, "path", "epochs", value=[1, 2, 9]), "runs[0].path.epochs[2]: expected an epoch from 1 to "
                                                         "epochs_run (3), got 9."),
    (_set("runs", 0, "path", "biases", value=[0.0]), "runs[0].path.biases: has 1 value; expected 3."),
    (_set("points", "y", value=[1.0, 2.0]), "points.y: has 2 values; expected 3."),
    (_set("points", "x", 1, value=math.inf), "points.x[1]: expected a finite number, got inf."),
    (_set("points", value=None), "points: expected an object, got null."),
    (lambda document: document["runs"][0].pop("result"), 'runs[0]: the field "result" is missing.'),
    (_set("version", value="2"), 'version: expected a whole number of at least 1, got "2".'),
    (_set("version", value=3), "version: version 3 projects are zip files"),
    (_set("version", value=4), "project version 4 is newer than this app understands (3)"),
    (_set("format", value="something/else"), "not a Gradient Descent Studio project."),
]


@pytest.mark.parametrize(("edit", "expected"), BAD_FIELDS, ids=[expected[:40] for _, expected in BAD_FIELDS])
def test_a_bad_field_is_refused_naming_the_file_and_the_field(tmp_path: Path, edit, expected: str) -> None:
    document = v2_document()
    edit(document)
    path = write_json(tmp_path / "fit.gdsproj", document)
    message = refusal(path)
    assert message.startswith(f"{path}: ") and expected in message, message


def test_deep_nesting_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.gdsproj"
    nested = "[" * 100_000 + "]" * 100_000
    path.write_text(f'{{"format": "{FORMAT}", "version": 2, "points": {nested}}}', encoding="utf-8")
    assert "nested too deeply" in refusal(path)
    path.write_text("[" * 100_000, encoding="utf-8")  # unterminated as well
    assert "not a Gradient Descent Studio project" in refusal(path)


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.gdsproj"
    with open(path, "wb") as handle:  # sparse: takes no disk space and nothing is read
        handle.truncate(MAX_FILE_BYTES + 1)
    started = time.perf_counter()
    assert "a project file may be at most 1,024 MB" in refusal(path)
    assert time.perf_counter() - started < 1.0


def test_json_that_is_not_a_project_says_where(tmp_path: Path) -> None:
    path = tmp_path / "broken.gdsproj"
    path.write_text('{"format": "gradient-descent-studio/project",\n "version": 1, "points": {"x": [1, "a"]',
                    encoding="utf-8")
    assert f"{path}, line 2: not a Gradient Descent Studio project (invalid JSON)." == refusal(path)
    path.write_bytes(b'{"format": "\xff"}')
    assert "not UTF-8" in refusal(path)
    assert "cannot read the file" in refusal(tmp_path / "missing.gdsproj")
    assert "not a regular file" in refusal(tmp_path)
    fifo = tmp_path / "pipe.gdsproj"
    os.mkfifo(fifo)
    assert "not a regular file" in refusal(fifo), "opening a FIFO would wait for a writer forever"


# --- hostile zips -------------------------------------------------------------------------------------------
def rewrite(path: Path, *, document: Any = None, members: dict[str, bytes] | None = None,
            compression: dict[str, int] | None = None) -> Path:
    """`path` rewritten with project.json and some members replaced."""
    with zipfile.ZipFile(path) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    if document is not None:
        contents["project.json"] = json.dumps(document).encode()
    contents.update(members or {})
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in contents.items():
            archive.writestr(name, data, compress_type=(compression or {}).get(name, zipfile.ZIP_STORED))
    return path


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "fit.gdsproj"
    save_project(make_project(), path)
    with zipfile.ZipFile(path) as archive:
        return path, json.loads(archive.read("project.json"))


LOSS = "runs/0/loss_history.npy"


@pytest.mark.parametrize(("array", "expected"), [
    (np.array([object(), 1.0], dtype=object), "holds object values"),
    (np.zeros((5, 1)), "shape (5, 1)"),
    (np.zeros(5, dtype=np.float32), "holds float32 values"),
    (np.zeros(5, dtype=">f8"), "holds big-endian float64 values"),
    (np.zeros(4), "has 4 values; expected 5."),
    (np.array([1.0, 1.0, math.nan, 1.0, 1.0]), "runs[0].result.loss_history[2]: expected a finite number ≥ 0, got nan"),
])
def test_a_bad_array_member_is_refused(saved, array: np.ndarray, expected: str) -> None:
    path, _ = saved
    message = refusal(rewrite(path, members={LOSS: npy(array)}))
    assert expected in message and "runs[0].result.loss_history" in message, message


def test_an_array_header_that_lies_about_its_length_is_refused(saved) -> None:
    path, _ = saved
    data = npy(np.zeros(5)).replace(b"(5,)", b"(9,)")  # same header length, 32 bytes of data missing
    assert "does not match its header" in refusal(rewrite(path, members={LOSS: data}))


def test_a_zip_bomb_member_is_refused_by_its_declared_size(saved) -> None:
    path, _ = saved
    bomb = b"\x93NUMPY" + b"\0" * (20 * 2**20)  # 20 MB of zeros, deflated to ~20 kB
    rewrite(path, members={LOSS: bomb}, compression={LOSS: zipfile.ZIP_DEFLATED})
    assert path.stat().st_size < 2**20
    started = time.perf_counter()
    assert "declares 20,971,526 bytes, more than the 4,136 it may hold" in refusal(path)
    assert time.perf_counter() - started < 1.0


def test_member_names_must_be_plain_and_present(saved) -> None:
    path, document = saved
    document["runs"][0]["result"]["loss_history"] = "../../etc/passwd.npy"
    message = refusal(rewrite(path, document=document))
    assert "runs[0].result.loss_history: expected the name of a .npy member" in message
    document["runs"][0]["result"]["loss_history"] = "runs/9/loss_history.npy"
    assert "runs[0].result.loss_history: the file has no member runs/9/loss_history.npy." in \
        refusal(rewrite(path, document=document))


def test_too_many_members_are_refused_before_zipfile_reads_them(saved, monkeypatch) -> None:
    path, _ = saved
    monkeypatch.setattr(project_zip, "MAX_MEMBERS", 20)
    rewrite(path, members={f"junk/{index}.npy": b"" for index in range(30)})
    assert "the zip lists 38 members" in refusal(path)


def test_damaged_zips_and_mismatched_versions_are_refused(saved, tmp_path: Path) -> None:
    path, document = saved
    truncated = tmp_path / "truncated.gdsproj"
    truncated.write_bytes(path.read_bytes()[:200])
    assert "not a readable zip file" in refusal(truncated)
    document["version"] = 2
    assert "version: a zipped project is version 3, not 2." in refusal(rewrite(path, document=document))
    deep = rewrite(path, members={"project.json": b"[" * 100_000})
    assert "project.json: lists or objects nested too deeply." in refusal(deep)


# --- anything at all (FUZZ_EXAMPLES=6000 for a longer hunt; the defaults take ~15 s together) -------------
FUZZ: dict[str, Any] = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


def _paths(document: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `document` a value sits (dict keys and list indices)."""
    found = [prefix] if prefix else []
    items = document.items() if isinstance(document, dict) else enumerate(document) if isinstance(document, list) \
        else []
    for key, value in items:
        found += _paths(value, (*prefix, key))
    return found


PLACES = _paths(v2_document())


def _outcome(path: Path) -> None:
    try:
        project = load_project(path)
    except DataError as error:
        assert str(error).startswith(str(path))
    else:
        assert isinstance(project, Project)


@functools.cache
def saved_bytes() -> bytes:
    """A valid version 3 file's bytes (the zip that Save writes, step traces included), to damage."""
    with tempfile.TemporaryDirectory() as folder:
        save_project(make_project(traced=True), Path(folder) / "fit.gdsproj")
        return (Path(folder) / "fit.gdsproj").read_bytes()


def damaged(edits: list[tuple[int, int]], cut: int) -> bytes:
    data = bytearray(saved_bytes()[: max(0, len(saved_bytes()) - cut)])
    for position, value in edits:
        if data:
            data[position % len(data)] = value
    return bytes(data)


ANY_BYTES = (st.binary(max_size=400)
             | st.builds(lambda prefix, tail: prefix + tail,
                         st.sampled_from([b"PK\x03\x04", b'{"format": "', b"\xef\xbb\xbf{"]), st.binary(max_size=200))
             | st.builds(damaged, st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), max_size=6),
                         st.integers(0, 50) | st.just(0)))


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 600)), **FUZZ)
@given(data=ANY_BYTES)
def test_any_bytes_give_a_project_or_one_data_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.gdsproj"
    path.write_bytes(data)
    _outcome(path)


def npy_with_header(header: bytes, data: bytes) -> bytes:
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 200)), **FUZZ)
@given(header=st.binary(max_size=120) | st.builds(
    lambda descr, shape: f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape}, }}".encode(),
    st.sampled_from(["<f8", "<i8", ">f8", "|O", "<U3", "V8", "f8", "<c16"]) | st.text(max_size=6),
    st.tuples(st.integers(-5, 2**64)) | st.tuples() | st.lists(st.integers(-1, 9), max_size=3).map(tuple)
    | st.text(max_size=5)),
    data=st.binary(max_size=64))
def test_any_array_header_gives_a_project_or_one_data_error(saved, header: bytes, data: bytes) -> None:
    path, _ = saved
    _outcome(rewrite(path, members={LOSS: npy_with_header(header, data)}))


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 800)), **FUZZ)
@given(place=st.sampled_from(PLACES), value=json_values)
def test_any_value_anywhere_in_a_valid_file_gives_a_project_or_one_data_error(tmp_path: Path, place, value) -> None:
    document = v2_document()
    _set(*place, value=value)(document)
    _outcome(write_json(tmp_path / "fuzz.gdsproj", document))
