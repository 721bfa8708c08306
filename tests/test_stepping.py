"""Watching gradient descent happen, in the engine: a pace that never changes the numbers, single steps
that equal the seed script, Continue that equals one longer run, races in lockstep, and step records whose
gradients and optimizer states are torch's own."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from torch import nn

from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from engine.training.pacing import FixedPace
from engine.training.results import ProgressBatch
from engine.training.step_trace import StepRecords, StepTrace
from engine.training.trainer import TrainingRun, train, train_together
from tests.seed_script import plain_seed_loop

SEED_X, SEED_Y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]
NOISY = PointSet.from_columns(np.linspace(-2, 3, 11), 1.5 * np.linspace(-2, 3, 11) - 0.5 + np.sin(np.arange(11)))


def records_of(batches: list[ProgressBatch]) -> StepRecords:
    trace = StepTrace(capacity=1 << 20)
    for batch in batches:
        assert batch.records is not None
        trace.extend(batch.records)
    return trace.records()


def test_a_paced_run_ends_bit_identical_to_the_same_run_at_max() -> None:
    config = TrainingConfig(optimizer="momentum", epochs=150)
    fast = train(PointSet.seed(), config)
    started = time.perf_counter()
    paced = train(PointSet.seed(), config, pace=FixedPace(100.0))
    took = time.perf_counter() - started
    assert (paced.weight, paced.bias, paced.final_loss) == (fast.weight, fast.bias, fast.final_loss)
    assert np.array_equal(paced.loss_history, fast.loss_history)
    assert took >= 1.45  # 150 steps at 100 per second: it really was slowed down


class ChangingPace:
    """A pace that a person changes while the run plays: 50 steps/s, then Max after `switch` reads."""

    def __init__(self, switch: int) -> None:
        self.reads = 0
        self.switch = switch

    @property
    def steps_per_second(self) -> float:
        self.reads += 1
        return 50.0 if self.reads < self.switch else 0.0


def test_the_pace_can_change_while_a_run_plays() -> None:
    config = TrainingConfig(epochs=2000)
    pace = ChangingPace(switch=20)
    started = time.perf_counter()
    result = train(PointSet.seed(), config, pace=pace)
    assert time.perf_counter() - started < 10  # at 50 steps/s throughout it would take 40 s
    assert result.weight == train(PointSet.seed(), config).weight


@pytest.mark.parametrize("steps", [1, 2, 5, 40])
def test_step_k_equals_the_seed_script_run_for_k_epochs(steps: int) -> None:
    run = TrainingRun(PointSet.from_columns(np.array(SEED_X), np.array(SEED_Y)))
    result = None
    for _ in range(steps):
        result = run.advance(steps=1)
    assert result is not None
    weight, bias, _ = plain_seed_loop(SEED_X, SEED_Y, epochs=steps)
    assert result.epochs_run == steps and result.stop_reason == "completed"
    assert result.weight == pytest.approx(weight, abs=1e-6) and result.bias == pytest.approx(bias, abs=1e-6)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS.keys()))
@pytest.mark.parametrize("batch_size", [None, 4])
@pytest.mark.parametrize("path", ["fused", "autograd"])
def test_continuing_500_after_500_equals_one_run_of_1000(optimizer: str, batch_size: int | None, path: str) -> None:
    config = TrainingConfig(optimizer=optimizer, epochs=500, batch_size=batch_size, path=path, learning_rate=0.01)
    run = TrainingRun(NOISY, config)
    run.advance()
    continued = run.advance(epochs=500)
    whole = train(NOISY, TrainingConfig.from_dict({**config.to_dict(), "epochs": 1000}))
    assert continued.epochs_run == 1000 and continued.config["epochs"] == 1000
    assert continued.weight == pytest.approx(whole.weight, abs=1e-6)
    assert continued.bias == pytest.approx(whole.bias, abs=1e-6)
    np.testing.assert_allclose(continued.loss_history, whole.loss_history, rtol=1e-6)


def test_a_mini_batch_step_is_one_batch_and_epochs_count_whole_epochs() -> None:
    config = TrainingConfig(batch_size=4, epochs=3)  # 11 points: batches of 4, 4 and 3
    batches: list[ProgressBatch] = []
    run = TrainingRun(NOISY, config, on_progress=batches.append)
    first = run.advance(steps=1)
    assert first.epochs_run == 0  # the epoch is not over yet
    run.advance(steps=2)
    records = records_of(batches)
    assert records.steps.tolist() == [1, 2, 3] and records.epochs.tolist() == [1, 1, 1]
    assert records.batch_sizes.tolist() == [4, 4, 3]
    assert run.loop.epochs_run == 1
    assert batches[-1].epochs.tolist() == [1]  # the epoch's loss arrives with its last step
    whole = train(NOISY, TrainingConfig(batch_size=4, epochs=1))
    assert run.result().weight == pytest.approx(whole.weight, abs=1e-7)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS.keys()))
@pytest.mark.parametrize("path", ["fused", "autograd"])
def test_step_records_hold_autograds_gradient_and_torchs_optimizer_state(optimizer: str, path: str) -> None:
    """At every recorded step: the gradient equals autograd's at the parameters before it, and the state
    equals torch.optim's own buffers after the same number of steps."""
    config = TrainingConfig(optimizer=optimizer, epochs=12, learning_rate=0.05, path=path)
    batches: list[ProgressBatch] = []
    train(NOISY, config, on_progress=batches.append)
    records = records_of(batches)
    assert records.steps.tolist() == list(range(1, 13))
    x = torch.tensor(NOISY.x, dtype=torch.float32).view(-1, 1)
    y = torch.tensor(NOISY.y, dtype=torch.float32).view(-1, 1)
    torch.manual_seed(0)
    model = nn.Linear(1, 1)
    reference = OPTIMIZERS.get(optimizer).make_torch(model.parameters(), config)
    names = OPTIMIZERS.get(optimizer).torch_state_keys
    for index in range(12):
        np.testing.assert_allclose(records.trained_before[index],
                                   [model.weight.item(), model.bias.item()], rtol=1e-5, atol=1e-6)
        reference.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        assert model.weight.grad is not None and model.bias.grad is not None
        np.testing.assert_allclose(records.gradients[index], [model.weight.grad.item(), model.bias.grad.item()],
                                   rtol=1e-5, atol=1e-6)
        assert records.losses[index] == pytest.approx(loss.item(), rel=1e-5)
        reference.step()
        state = [value for name in names for value in (reference.state[model.weight][name].item(),
                                                       reference.state[model.bias][name].item())]
        np.testing.assert_allclose(records.states[index, : len(state)], state, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(records.after[index], [model.weight.item(), model.bias.item()],
                                   rtol=1e-5, atol=1e-6)
    assert np.all(records.learning_rates == 0.05)
    np.testing.assert_array_equal(records.before[1:], records.after[:-1])


def test_standardised_runs_record_the_line_in_user_units_and_the_gradient_in_trained_units() -> None:
    points = PointSet.from_columns(np.array([100.0, 200.0, 300.0]), np.array([1000.0, 1900.0, 3100.0]))
    batches: list[ProgressBatch] = []
    result = train(points, TrainingConfig(standardize=True, epochs=5, learning_rate=0.1),
                   on_progress=batches.append)
    records = records_of(batches)
    assert tuple(records.after[-1]) == (result.weight, result.bias)
    assert np.all(np.abs(records.trained_after) < 10)  # standardised: order one, unlike the user's units
    assert not np.allclose(records.trained_after, records.after)


def test_a_race_in_lockstep_equals_each_racer_alone_and_interleaves_its_progress() -> None:
    order: list[str] = []
    runs = []
    for optimizer in OPTIMIZERS:
        runs.append(TrainingRun(PointSet.seed(), TrainingConfig(optimizer=optimizer, epochs=200),
                                on_progress=lambda batch, name=optimizer: order.append(name)))
    for run in runs:
        run.plan()
    results = train_together(runs, pace=FixedPace(400.0))
    for optimizer, result in zip(OPTIMIZERS.keys(), results, strict=True):
        alone = train(PointSet.seed(), TrainingConfig(optimizer=optimizer, epochs=200))
        assert (result.weight, result.bias) == (alone.weight, alone.bias)
    # At a pace every racer reports in every flush: the names cycle, never one racer's batches in a row.
    assert order[: len(OPTIMIZERS) * 5] == list(OPTIMIZERS.keys()) * 5


def test_a_diverging_racer_ends_alone_and_the_others_finish() -> None:
    runs = [TrainingRun(PointSet.seed(), TrainingConfig(optimizer=name, epochs=300, learning_rate=0.2))
            for name in ("sgd", "adam")]
    for run in runs:
        run.plan()
    sgd, adam = train_together(runs)
    assert sgd.stop_reason == "diverged" and sgd.epochs_run < 300
    assert adam.stop_reason == "completed" and adam.epochs_run == 300
    assert not runs[0].can_advance and runs[1].can_advance


def test_a_trace_keeps_every_step_up_to_its_capacity_then_thins_and_keeps_the_newest() -> None:
    def records(first: int, count: int) -> StepRecords:
        steps = np.arange(first, first + count, dtype=np.int64)
        values = steps.astype(np.float64)
        pair = np.column_stack([values, -values])
        return StepRecords(steps=steps, epochs=steps, batch_sizes=np.full(count, 4), losses=values,
                           before=pair - 1, after=pair, trained_before=pair - 1, trained_after=pair,
                           gradients=pair, states=np.zeros((count, 4)), learning_rates=np.full(count, 0.01))

    trace = StepTrace(initial=(0.5, -0.5), capacity=100)
    trace.extend(records(1, 60))
    trace.extend(records(61, 40))
    assert len(trace) == 101 and trace.stride == 1
    assert trace.step_numbers().tolist() == list(range(101))
    assert trace.params_at(0) == (0.5, -0.5) and trace.params_at(37) == (37.0, -37.0)
    assert trace.record(0) is None
    record = trace.record(100)
    assert record is not None and record.step == 100 and record.before == (99.0, -101.0)
    trace.extend(records(101, 50))  # 150 steps: beyond the capacity
    assert trace.stride == 2 and trace.steps_run == 150
    numbers = trace.step_numbers()
    assert numbers[-1] == 150 and np.all(np.diff(numbers) > 0)
    assert len(trace) <= 100 + 2
    assert trace.params_at(len(trace) - 1) == (150.0, -150.0)
    assert trace.position_of_step(4) == trace.position_of_step(3)  # step 4 was thinned: 3 shows


def test_a_trace_rebuilt_from_a_thinned_traces_records_keeps_its_stride() -> None:
    batches: list[ProgressBatch] = []
    train(PointSet.seed(), TrainingConfig(epochs=100), on_progress=batches.append)
    thinned = StepTrace(capacity=8)
    for batch in batches:
        assert batch.records is not None
        thinned.extend(batch.records)
    rebuilt = StepTrace(initial=thinned.initial)
    rebuilt.extend(thinned.records())
    assert rebuilt.stride == thinned.stride == 16
    assert rebuilt.step_numbers().tolist() == thinned.step_numbers().tolist()
    assert rebuilt.params_at(len(rebuilt) - 1) == thinned.params_at(len(thinned) - 1)


def test_old_runs_traces_are_thinned_when_all_runs_together_pass_the_budget() -> None:
    from gui.session.run_history import SHRUNK_TRACE_STEPS, RunHistoryModel

    runs = RunHistoryModel()
    for _ in range(3):
        run = runs.start_run(TrainingConfig(epochs=20_000))
        batches: list[ProgressBatch] = []
        result = train(PointSet.seed(), TrainingConfig(epochs=20_000), on_progress=batches.append)
        for batch in batches:
            assert batch.records is not None
            run.trace.extend(batch.records)
        runs.finish_run(run, result)
    each = runs.runs[-1].trace.nbytes
    runs.keep_traces_within(2 * each)
    old, middle, newest = (run.trace for run in runs.runs)
    assert newest.stride == 1 and newest.steps_run == 20_000, "the newest run keeps every step"
    assert len(old) <= SHRUNK_TRACE_STEPS + 2 and old.nbytes < each / 2, "the oldest gave its memory back"
    assert old.params_at(len(old) - 1) == newest.params_at(len(newest) - 1), "and still ends where it ended"
    assert sum(trace.nbytes for trace in (old, middle, newest)) <= 2 * each


def test_a_racer_that_diverges_at_a_pace_is_diagnosed_once_and_the_race_keeps_its_pace(monkeypatch) -> None:
    from engine.training.run_loop import RunLoop

    calls: list[int] = []
    diagnose = RunLoop._note_divergence
    monkeypatch.setattr(RunLoop, "_note_divergence",
                        lambda self, epoch, loss: (calls.append(epoch), diagnose(self, epoch, loss)))
    runs = [TrainingRun(PointSet.seed(), TrainingConfig(optimizer=name, epochs=150, learning_rate=0.2))
            for name in ("sgd", "adam")]
    for run in runs:
        run.plan()
    started = time.perf_counter()
    sgd, adam = train_together(runs, pace=FixedPace(150.0))
    took = time.perf_counter() - started
    assert sgd.stop_reason == "diverged" and adam.stop_reason == "completed"
    assert len(calls) == 1, calls
    assert took < 1.6  # 150 steps at 150 a second: the diverged racer did not slow the race down
