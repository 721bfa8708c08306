"""Issue 12 in the window, as a teacher meets it: a pace a person can follow, Step and Continue that go on
with the same run, and a race whose racers move together."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS, RACED
from engine.training.trainer import train
from tests.seed_script import plain_seed_loop

SEED_X, SEED_Y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]


def click(qtbot, button) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def step(qtbot, window):
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000) as finished:
        click(qtbot, window.panel.step_button)
    return finished.args[0]


def test_epochs_one_then_step_three_times_goes_on_instead_of_starting_over(qtbot, window) -> None:
    """The complaint that started it: Train with Epochs = 1 restarted every time. Step goes on."""
    window.panel.epochs_spin.setValue(1)
    results = [step(qtbot, window) for _ in range(3)]
    assert [result.epochs_run for result in results] == [1, 2, 3]
    for k, result in enumerate(results, start=1):
        weight, bias, _ = plain_seed_loop(SEED_X, SEED_Y, epochs=k)
        assert result.weight == pytest.approx(weight, abs=1e-6) and result.bias == pytest.approx(bias, abs=1e-6)
    assert len(window.runs.runs) == 1, "one run, stepped three times"
    run = window.runs.runs[0]
    assert run.trace.steps_run == 3
    # The loss plot draws the run's points once it has them (a 1-epoch run used to draw nothing).
    x, y = window.loss_plot.curve_of(run)
    assert x.tolist() == [1, 2, 3] and np.allclose(y, run.loss_values())
    # The timeline shows the newest step, and the step details explain it.
    assert window.timeline_bar.slider.value() == 3
    assert "Step 3" in window.step_details.plain_text()


def test_continue_equals_one_longer_run_and_keeps_adams_state(qtbot, window) -> None:
    window.panel.optimizer_combo.setCurrentIndex(list(OPTIMIZERS).index("adam"))
    window.panel.epochs_spin.setValue(200)
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000):
        click(qtbot, window.panel.train_button)
    assert window.panel.continue_button.isEnabled()
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000) as finished:
        click(qtbot, window.panel.continue_button)
    result = finished.args[0]
    whole = train(PointSet.seed(), TrainingConfig(optimizer="adam", epochs=400))
    assert result.epochs_run == 400 and (result.weight, result.bias) == (whole.weight, whole.bias)
    assert len(window.runs.runs) == 1
    x, y = window.loss_plot.curve_of(window.runs.runs[0])
    assert x[-1] == 400 and y[-1] == whole.loss_history[-1]


def test_a_paced_race_moves_all_three_racers_together(qtbot, window) -> None:
    window.panel.set_pace(200.0)
    window.panel.epochs_spin.setValue(300)  # 1.5 s at 200 steps/s
    seen_together: list[int] = []

    def watch() -> None:
        live = window.landscape.live_runs
        if len(live) == len(RACED):
            lengths = [run.trace.steps_run for run in live.values()]
            if min(lengths) > 10:
                seen_together.append(max(lengths) - min(lengths))

    window.frame_timer.timeout.connect(watch)
    with qtbot.waitSignal(window.session.busyChanged, timeout=60_000, check_params_cb=lambda busy: not busy):
        click(qtbot, window.panel.race_button)
    assert len(seen_together) >= 10, "the three racers were live together over many frames"
    assert max(seen_together) <= 40, "no racer ran ahead of the others"  # one flush apart at most
    for run in window.runs.runs:
        alone = train(PointSet.seed(), TrainingConfig(epochs=300, optimizer=run.config.optimizer))
        assert run.result is not None and (run.result.weight, run.result.bias) == (alone.weight, alone.bias)


def test_the_pace_slows_a_run_in_the_window_and_can_change_while_it_plays(qtbot, window) -> None:
    window.panel.set_pace(20.0)
    window.panel.epochs_spin.setValue(100_000)
    click(qtbot, window.panel.train_button)
    qtbot.waitUntil(lambda: window.runs.runs and window.runs.runs[0].trace.steps_run >= 3, timeout=30_000)
    qtbot.wait(500)
    slow = window.runs.runs[0].trace.steps_run
    assert slow < 40, f"at 20 steps/s half a second trains about 10 steps, not {slow}"
    window.panel.set_pace(0.0)  # Max, while it plays
    qtbot.waitUntil(lambda: window.runs.runs[0].trace.steps_run > 5_000, timeout=30_000)
    with qtbot.waitSignal(window.trainingFinished, timeout=10_000):
        click(qtbot, window.panel.stop_button)


def test_continue_refuses_when_the_points_changed_and_says_why(qtbot, window) -> None:
    window.panel.epochs_spin.setValue(50)
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000):
        click(qtbot, window.panel.train_button)
    window.model.setData(window.model.index(0, 1), "3")
    messages: list[str] = []
    window.statusMessage.connect(messages.append)
    assert not window.training.continue_training()
    assert messages and "changed" in messages[-1]
    assert window.runs.runs[0].result is not None and window.runs.runs[0].result.epochs_run == 50


def test_continue_shows_its_own_total_on_the_progress_bar(qtbot, window) -> None:
    window.panel.epochs_spin.setValue(100)
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000):
        click(qtbot, window.panel.train_button)
    window.panel.set_pace(300.0)  # slow enough to watch the bar move
    window.panel.epochs_spin.setValue(300)
    seen: list[tuple[int, int]] = []
    window.frame_timer.timeout.connect(
        lambda: seen.append((window.panel.progress_bar.value(), window.panel.progress_bar.maximum())))
    with qtbot.waitSignal(window.trainingFinished, timeout=60_000) as finished:
        click(qtbot, window.panel.continue_button)
    assert finished.args[0].epochs_run == 400
    moving = [value for value, maximum in seen if maximum == 400 and 100 < value < 400]
    assert len(moving) >= 3, seen[-10:]  # the bar follows epochs 100 → 400, not stuck past a maximum of 100
