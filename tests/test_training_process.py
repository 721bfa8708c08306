"""The training process's protocol, spoken directly over a Pipe without Qt: the typed messages of
engine/process/messages.py in, the replies out. One child serves the whole module (it imports torch and
warms up, seconds), started exactly as TrainingChild starts it; the last test quits it."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from engine.data.points import PointSet
from engine.process.messages import (
    ContinueRequest,
    Exported,
    ExportFailed,
    ExportRequest,
    Heartbeat,
    Progress,
    QuitRequest,
    Ready,
    RunFailed,
    RunResult,
    TrainRequest,
)
from engine.process.training_server import CHILD_NICENESS, FLAG_COUNT, FLAGS_TYPECODE, PACE, PAUSE, STOP, serve
from engine.training.config import TrainingConfig
from engine.training.results import TrainingResult

REPLY_TIMEOUT_S = 60.0  # torch's import and the warm-up on a busy, shared machine
X = np.array([1.0, 2.0, 3.0, 4.0])
Y = 2 * X
CONFIG = TrainingConfig(epochs=50)


@dataclass
class Child:
    process: Any
    connection: Connection
    devices: list[tuple[str, str]]
    flags: Any


def receive(connection: Connection, timeout_s: float = REPLY_TIMEOUT_S) -> object:
    """The next reply that is not a heartbeat, or a failure (never a test that hangs on a silent child)."""
    deadline = time.monotonic() + timeout_s
    while True:
        left = deadline - time.monotonic()
        assert left > 0 and connection.poll(left), f"no reply from the training process within {timeout_s} s"
        reply = connection.recv()
        if not isinstance(reply, Heartbeat):
            return reply


@pytest.fixture(scope="module")
def child() -> Iterator[Child]:
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe()
    flags = context.RawArray(FLAGS_TYPECODE, FLAG_COUNT)
    process = context.Process(target=serve, args=(child_end, flags), daemon=True, name="gds-training-test")
    process.start()
    child_end.close()
    try:
        ready = receive(parent_end)
        assert isinstance(ready, Ready), ready
        yield Child(process, parent_end, ready.devices, flags)
    finally:
        if process.is_alive():
            process.terminate()
        process.join(10)
        parent_end.close()


@pytest.fixture(scope="module")
def result(child: Child) -> tuple[TrainingResult, list[Progress]]:
    """One run of the seed points: its result and every progress message before it."""
    child.connection.send(TrainRequest(7, (7,), (CONFIG.to_dict(),)))
    child.connection.send_bytes(X.data)
    child.connection.send_bytes(Y.data)
    batches: list[Progress] = []
    while True:
        reply = receive(child.connection)
        if isinstance(reply, RunResult):
            assert reply.run_id == 7
            return reply.result, batches
        assert isinstance(reply, Progress), reply
        assert reply.run_id == 7
        batches.append(reply)


def test_ready_lists_the_devices(child: Child) -> None:
    assert child.devices and all(isinstance(id_, str) and isinstance(label, str) for id_, label in child.devices)
    assert "cpu" in [id_ for id_, _ in child.devices]


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="process priorities are POSIX")
def test_the_training_process_yields_to_the_window(child: Child) -> None:
    """Where every core is busy, the window's frame comes before a training step: the child runs a few
    niceness levels below the process that started it."""
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, child.process.pid) == min(mine + CHILD_NICENESS, 19)


def test_a_run_in_the_child_matches_the_same_run_in_process(result: tuple[TrainingResult, list[Progress]]) -> None:
    from engine.training.trainer import train

    remote, _ = result
    local = train(PointSet.from_columns(X, Y), CONFIG)
    assert (remote.weight, remote.bias, remote.final_loss) == (local.weight, local.bias, local.final_loss)
    assert remote.epochs_run == 50 and remote.stop_reason == local.stop_reason
    assert remote.loss_history.size == 0  # the window assembles it from the progress batches


def test_progress_covers_every_epoch_in_order(result: tuple[TrainingResult, list[Progress]]) -> None:
    remote, batches = result
    epochs = np.concatenate([message.batch.epochs for message in batches])
    assert epochs.tolist() == list(range(1, 51))
    assert batches[-1].batch.weight == remote.weight


def test_export_answers_exported(child: Child, result: tuple[TrainingResult, list[Progress]],
                                 tmp_path: Path) -> None:
    path = str(tmp_path / "model.json")
    child.connection.send(ExportRequest(11, result[0], path))
    assert receive(child.connection) == Exported(11, path)
    assert Path(path).is_file()


@pytest.mark.parametrize("name", ["a-file/model.json", "model.txt"])  # a folder that cannot exist; no format
def test_a_bad_export_path_answers_export_failed(child: Child, result: tuple[TrainingResult, list[Progress]],
                                                 tmp_path: Path, name: str) -> None:
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    child.connection.send(ExportRequest(12, result[0], str(tmp_path / name)))
    reply = receive(child.connection)
    assert isinstance(reply, ExportFailed) and reply.job_id == 12, reply
    assert reply.message


def test_an_unknown_object_is_ignored(child: Child, result: tuple[TrainingResult, list[Progress]],
                                      tmp_path: Path) -> None:
    child.connection.send(("export", 13, result[0], str(tmp_path / "old.json")))  # the old tuple protocol
    child.connection.send("hello")
    path = str(tmp_path / "after.json")
    child.connection.send(ExportRequest(14, result[0], path))
    assert receive(child.connection) == Exported(14, path)  # the first reply: nothing answered the others
    assert not (tmp_path / "old.json").exists()
    assert child.process.is_alive()


def send_run(child: Child, run_id: int, config: TrainingConfig) -> None:
    child.connection.send(TrainRequest(run_id, (run_id,), (config.to_dict(),)))
    child.connection.send_bytes(X.data)
    child.connection.send_bytes(Y.data)


def test_heartbeats_keep_coming_while_the_loop_is_busy(child: Child) -> None:
    """A paused run holds the child's loop; its heartbeat thread still answers, twice a second."""
    child.flags[PAUSE] = 1
    try:
        send_run(child, 20, TrainingConfig(epochs=10_000_000))
        started = time.monotonic()
        beats = 0
        while beats < 4:
            assert child.connection.poll(10), "no heartbeat for 10 s while a run was paused"
            reply = child.connection.recv()
            beats += isinstance(reply, Heartbeat)
            assert not isinstance(reply, RunResult), "the paused run ended"
        assert time.monotonic() - started < 10
    finally:
        child.flags[STOP] = 20
        child.flags[PAUSE] = 0
    reply = receive(child.connection)
    while isinstance(reply, Progress):
        reply = receive(child.connection)
    assert isinstance(reply, RunResult) and reply.run_id == 20 and reply.result.stop_reason == "stopped"


def test_a_stop_reaches_only_runs_up_to_its_id(child: Child) -> None:
    """A stop that the child reads late (the window already ended that run) never stops the next run."""
    child.flags[STOP] = 21
    send_run(child, 21, CONFIG)
    send_run(child, 22, CONFIG)
    results: dict[int, TrainingResult] = {}
    while len(results) < 2:
        reply = receive(child.connection)
        if isinstance(reply, RunResult):
            results[reply.run_id] = reply.result
    assert results[21].stop_reason == "stopped" and results[21].epochs_run == 0
    assert results[22].stop_reason == "completed" and results[22].epochs_run == CONFIG.epochs


def collect(child: Child, run_ids: set[int]) -> tuple[dict[int, RunResult | RunFailed], dict[int, list[Progress]]]:
    """The answers of one job: a RunResult or RunFailed per run, and the progress before them."""
    answers: dict[int, RunResult | RunFailed] = {}
    progress: dict[int, list[Progress]] = {run_id: [] for run_id in run_ids}
    while set(answers) != run_ids:
        reply = receive(child.connection)
        if isinstance(reply, RunResult | RunFailed):
            answers[reply.run_id] = reply
        elif isinstance(reply, Progress):
            progress[reply.run_id].append(reply)
    return answers, progress


def test_a_race_trains_its_runs_in_lockstep_and_continue_goes_on(child: Child) -> None:
    """Two runs in one job: their progress interleaves, each equals the run alone, and Continue advances
    both with their optimizer state (25 + 25 epochs equal 50)."""
    from engine.training.trainer import train

    configs = (TrainingConfig(epochs=25, optimizer="adam", learning_rate=0.1),
               TrainingConfig(epochs=25, optimizer="momentum"))
    child.connection.send(TrainRequest(30, (31, 32), tuple(config.to_dict() for config in configs)))
    child.connection.send_bytes(X.data)
    child.connection.send_bytes(Y.data)
    answers, progress = collect(child, {31, 32})
    assert all(isinstance(answer, RunResult) and answer.can_continue for answer in answers.values())
    child.connection.send(ContinueRequest(33, (31, 32), epochs=25))
    answers, more = collect(child, {31, 32})
    for run_id, config in zip((31, 32), configs, strict=True):
        alone = train(PointSet.from_columns(X, Y), TrainingConfig.from_dict({**config.to_dict(), "epochs": 50}))
        answer = answers[run_id]
        assert isinstance(answer, RunResult) and answer.job_id == 33
        assert (answer.result.weight, answer.result.bias) == (alone.weight, alone.bias)
        assert answer.result.epochs_run == 50 and answer.result.config["epochs"] == 50
        steps = np.concatenate([m.batch.records.steps for m in progress[run_id] + more[run_id] if m.batch.records])
        assert steps.tolist() == list(range(1, 51))


def test_continuing_a_run_the_child_does_not_hold_fails_with_a_reason(child: Child) -> None:
    child.connection.send(ContinueRequest(40, (999,), steps=1))
    answers, _ = collect(child, {999})
    assert isinstance(answers[999], RunFailed) and "no longer" in answers[999].message


def test_the_pace_slows_the_run_and_leaves_its_numbers_alone(child: Child) -> None:
    config = TrainingConfig(epochs=30)
    child.flags[PACE] = 100 * 1000  # 100 steps per second
    try:
        started = time.monotonic()
        send_run(child, 50, config)
        answers, _ = collect(child, {50})
        took = time.monotonic() - started
    finally:
        child.flags[PACE] = 0
    from engine.training.trainer import train

    answer = answers[50]
    assert isinstance(answer, RunResult)
    alone = train(PointSet.from_columns(X, Y), config)
    assert (answer.result.weight, answer.result.bias) == (alone.weight, alone.bias)
    assert took >= 0.28  # 30 steps at 100 per second cannot take less than ~0.29 s


def test_quit_ends_the_process(child: Child) -> None:
    """Last in the module: the child is gone afterwards."""
    child.connection.send(QuitRequest())
    child.process.join(5)
    assert not child.process.is_alive()
    assert child.process.exitcode == 0
