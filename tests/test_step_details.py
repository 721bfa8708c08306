"""The step details: every number the panel shows for a step is what torch computed for that step.

Runs are built here with torch itself (nn.Linear, MSELoss, torch.optim through the registry's own
constructors), recorded step by step into a StepTrace as the engine records them, then explained.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QApplication
from torch import nn

from engine.data.points import PointSet
from engine.data.scaling import Standardizer
from engine.training.config import TrainingConfig
from engine.training.optimizers import OPTIMIZERS
from engine.training.step_explanation import TrainedData, batches_per_epoch, explain_step
from engine.training.step_trace import STATE_WIDTH, StepRecords, StepTrace
from gui.kit import number_format as fmt

SEED_X, SEED_Y = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 4.0, 6.0, 8.0])


def torch_full_batch(config: TrainingConfig, x: np.ndarray, y: np.ndarray, steps: int) -> StepTrace:
    """`steps` full-batch steps of the classic script (float32), recorded as the engine records them."""
    scaler = Standardizer.fitted_to(PointSet.from_columns(x, y)) if config.standardize else None
    tx, ty = ((x - scaler.mean_x) / scaler.scale_x, (y - scaler.mean_y) / scaler.scale_y) if scaler else (x, y)
    torch.manual_seed(config.seed)
    model = nn.Linear(1, 1)
    optimizer = OPTIMIZERS.get(config.optimizer).make_torch(model.parameters(), config)
    inputs = torch.tensor(tx, dtype=torch.float32).reshape(-1, 1)
    targets = torch.tensor(ty, dtype=torch.float32).reshape(-1, 1)
    rows: dict[str, list] = {key: [] for key in ("before", "after", "grad", "state", "loss")}
    for _ in range(steps):
        before = (model.weight.item(), model.bias.item())
        optimizer.zero_grad()
        loss = nn.MSELoss()(model(inputs), targets)
        loss.backward()
        rows["grad"].append((model.weight.grad.item(), model.bias.grad.item()))
        optimizer.step()
        rows["before"].append(before)
        rows["after"].append((model.weight.item(), model.bias.item()))
        rows["loss"].append(loss.item() * (scaler.loss_factor if scaler else 1.0))
        rows["state"].append(_state(optimizer, model, config.optimizer))
    trained_before, trained_after = np.array(rows["before"]), np.array(rows["after"])

    def user(params: np.ndarray) -> np.ndarray:
        return np.column_stack(scaler.to_original(params[:, 0], params[:, 1])) if scaler else params

    k = steps
    trace = StepTrace()
    trace.extend(StepRecords(
        steps=np.arange(1, k + 1), epochs=np.arange(1, k + 1), batch_sizes=np.full(k, len(x)),
        losses=np.array(rows["loss"]), before=user(trained_before), after=user(trained_after),
        trained_before=trained_before, trained_after=trained_after, gradients=np.array(rows["grad"]),
        states=np.array(rows["state"]), learning_rates=np.full(k, config.learning_rate)))
    return trace


def _state(optimizer: torch.optim.Optimizer, model: nn.Linear, key: str) -> list[float]:
    state = [optimizer.state[model.weight], optimizer.state[model.bias]]
    if key == "momentum":
        values = [s["momentum_buffer"].item() for s in state]
    elif key == "adam":
        values = [s["exp_avg"].item() for s in state] + [s["exp_avg_sq"].item() for s in state]
    else:
        values = []
    return values + [0.0] * (STATE_WIDTH - len(values))


def autograd_gradient(x: np.ndarray, y: np.ndarray, params: tuple[float, float]) -> tuple[float, float]:
    """∂L/∂w, ∂L/∂b of MSELoss at `params`, by autograd in float64."""
    model = nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(params[0])
        model.bias.fill_(params[1])
    inputs = torch.tensor(x, dtype=torch.float64).reshape(-1, 1)
    nn.MSELoss()(model(inputs), torch.tensor(y, dtype=torch.float64).reshape(-1, 1)).backward()
    return model.weight.grad.item(), model.bias.grad.item()


def explained(trace: StepTrace, config: TrainingConfig, x: np.ndarray, y: np.ndarray, position: int):
    data = TrainedData.of_columns(x, y, config.standardize)
    return explain_step(trace.record(position), config, data, initial=trace.initial, number=fmt.number)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("n", [4, 50])
def test_gradient_is_autograds_at_the_steps_parameters(optimizer: str, n: int) -> None:
    x, y = (SEED_X, SEED_Y) if n == 4 else (np.linspace(-3, 5, n), np.linspace(-3, 5, n) * 1.5 + 2 +
                                            np.random.default_rng(1).normal(0, 0.5, n))
    config = TrainingConfig(optimizer=optimizer, learning_rate=0.01)
    trace = torch_full_batch(config, x, y, 5)
    for position in (1, 3, 5):
        record = trace.record(position)
        explanation = explained(trace, config, x, y, position)
        values, text = explanation.values, explanation.plain_text()
        expected = autograd_gradient(x, y, record.trained_before)
        assert values["closed_grad_w"] == pytest.approx(expected[0], rel=1e-9)
        assert values["closed_grad_b"] == pytest.approx(expected[1], rel=1e-9)
        assert values["grad_w"] == record.gradient[0]  # the displayed gradient is the one the engine used
        assert values["gradient_agreement"] < 1e-6
        assert f"{fmt.number(record.gradient[0])} (what the engine used)" in text
        assert f"w {fmt.number(record.trained_before[0])}, b {fmt.number(record.trained_before[1])}" in text
        assert f"w {fmt.number(record.trained_after[0])}, b {fmt.number(record.trained_after[1])}" in text
        assert values["step_w"] == pytest.approx(values["delta_w"], rel=1e-4, abs=1e-6)
        assert values["step_b"] == pytest.approx(values["delta_b"], rel=1e-4, abs=1e-6)
    assert ("point 4" in text and "r₄ =" in text) == (n == 4)  # a handful of points: every term written out
    assert ("Σx² =" in text) == (n != 4)  # many: the sums from the moments


def test_every_term_of_a_small_batch_is_shown() -> None:
    config = TrainingConfig()
    trace = torch_full_batch(config, SEED_X, SEED_Y, 1)
    w, b = trace.record(1).trained_before
    text = explained(trace, config, SEED_X, SEED_Y, 1).plain_text()
    assert w < 0 < b  # a negative factor is bracketed, a negative term reads as a subtraction
    assert f"r₁ = ({fmt.number(w)})·1 + {fmt.number(b)} − 2 = {fmt.number(w + b - 2)}" in text
    assert f"r₄·x₄ = {fmt.number((4 * w + b - 8) * 4)}" in text


def test_momentum_shows_the_velocity_before_and_after() -> None:
    config = TrainingConfig(optimizer="momentum", momentum=0.9)
    trace = torch_full_batch(config, SEED_X, SEED_Y, 4)
    first = explained(trace, config, SEED_X, SEED_Y, 1)
    assert "the buffer starts as the first gradient" in first.plain_text()
    for position in (2, 3, 4):
        values = explained(trace, config, SEED_X, SEED_Y, position).values
        assert values["velocity_prev_w"] == pytest.approx(trace.record(position - 1).state[0], rel=1e-5)
        assert values["velocity_prev_b"] == pytest.approx(trace.record(position - 1).state[1], rel=1e-5)
        assert values["velocity_w"] == trace.record(position).state[0]
    assert "v = β·v_prev + g, β = 0.9" in explained(trace, config, SEED_X, SEED_Y, 4).plain_text()


def test_adam_bias_corrections_by_hand() -> None:
    config = TrainingConfig(optimizer="adam", learning_rate=0.1)
    trace = torch_full_batch(config, SEED_X, SEED_Y, 6)
    for t in (1, 2, 6):
        record = trace.record(t)
        m_w, m_b, v_w, v_b = record.state
        values = explained(trace, config, SEED_X, SEED_Y, t).values
        assert values["m_hat_w"] == pytest.approx(m_w / (1 - 0.9**t), rel=1e-12)
        assert values["m_hat_b"] == pytest.approx(m_b / (1 - 0.9**t), rel=1e-12)
        assert values["v_hat_w"] == pytest.approx(v_w / (1 - 0.999**t), rel=1e-12)
        assert values["v_hat_b"] == pytest.approx(v_b / (1 - 0.999**t), rel=1e-12)
        step_w = -0.1 * (m_w / (1 - 0.9**t)) / (math.sqrt(v_w / (1 - 0.999**t)) + 1e-8)
        assert values["step_w"] == pytest.approx(step_w, rel=1e-12)
        if t > 1:  # the state before, derived backwards, is the previous step's state after
            assert values["m_prev_w"] == pytest.approx(trace.record(t - 1).state[0], rel=1e-5)
            assert values["v_prev_b"] == pytest.approx(trace.record(t - 1).state[3], rel=1e-4)
    assert "m and v start at 0" in explained(trace, config, SEED_X, SEED_Y, 1).plain_text()
    text = explained(trace, config, SEED_X, SEED_Y, 6).plain_text()
    m_w = trace.record(6).state[0]
    assert m_w < 0
    assert f"m/(1 − β₁^t) = ({fmt.number(m_w)})/{fmt.number(1 - 0.9**6)} = {fmt.number(m_w / (1 - 0.9**6))}" in text


def test_position_zero_names_the_start_and_what_step_does() -> None:
    config = TrainingConfig(seed=7)
    trace = torch_full_batch(config, SEED_X, SEED_Y, 2)
    explanation = explained(trace, config, SEED_X, SEED_Y, 0)
    text = explanation.plain_text()
    assert explanation.title == "Before the first step"
    assert "nn.Linear(1, 1)'s initial weight and bias after torch.manual_seed(7)" in text
    assert "What Step does" in text and "over all 4 points" in text
    gradient = autograd_gradient(SEED_X, SEED_Y, trace.initial)
    assert explanation.values["grad_w"] == pytest.approx(gradient[0], rel=1e-9)
    assert explanation.values["step_w"] == pytest.approx(-0.01 * gradient[0], rel=1e-9)
    assert explanation.values["step_w"] == pytest.approx(trace.record(1).after[0] - trace.initial[0], rel=1e-5)
    unstarted = explain_step(None, config, TrainedData.of_columns(SEED_X, SEED_Y, False))
    assert "has not taken a step yet" in unstarted.plain_text()


def test_a_mini_batch_step_says_which_batch_and_that_its_points_are_not_known() -> None:
    x = np.arange(10.0)
    config = TrainingConfig(batch_size=3, epochs=5)
    assert batches_per_epoch(10, 3) == 4
    k = 8  # two epochs of batches of 3, 3, 3, 1
    params = np.column_stack([np.linspace(0, 1, k), np.linspace(0, 0.5, k)])
    trace = StepTrace()
    trace.extend(StepRecords(
        steps=np.arange(1, k + 1), epochs=np.repeat([1, 2], 4), batch_sizes=np.tile([3, 3, 3, 1], 2),
        losses=np.ones(k), before=params, after=params + 0.01, trained_before=params, trained_after=params + 0.01,
        gradients=np.full((k, 2), -1.5), states=np.zeros((k, STATE_WIDTH)), learning_rates=np.full(k, 0.01)))
    second = explained(trace, config, x, 2 * x, 6)
    text = second.plain_text()
    assert second.title.endswith("Step 6 · epoch 2 · batch 2 of 4, 3 points")
    assert "3 of the 10 points" in text and "seeded shuffle (seed 0)" in text
    assert "known only inside the training process" in text
    assert "∂L/∂w = (2/m)" in text and f"{fmt.number(-1.5)} (what the engine used)" in text
    assert "recomputed" not in text and "closed_grad_w" not in second.values
    assert "batch 4 of 4, 1 points" in explained(trace, config, x, 2 * x, 8).title
    assert "first mini-batch: 3 of the 10 points, batch 1 of 4" in explained(trace, config, x, 2 * x, 0).plain_text()


def test_a_standardised_run_says_so_and_shows_your_units() -> None:
    x = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0])
    y = 3 * x - 40 + np.array([1.0, -2.0, 0.5, 0.0, 1.5, -1.0, 0.3])
    config = TrainingConfig(standardize=True, learning_rate=0.1)
    trace = torch_full_batch(config, x, y, 3)
    record = trace.record(2)
    explanation = explained(trace, config, x, y, 2)
    text = explanation.plain_text()
    assert "standardised units" in text
    assert f"y = {fmt.number(record.after[0])}·x" in text  # the line in the user's units
    scaler = Standardizer.fitted_to(PointSet.from_columns(x, y))
    gradient = autograd_gradient((x - scaler.mean_x) / scaler.scale_x, (y - scaler.mean_y) / scaler.scale_y,
                                 record.trained_before)
    assert explanation.values["closed_grad_w"] == pytest.approx(gradient[0], rel=1e-9)
    assert explanation.values["gradient_agreement"] < 1e-6
    start = explained(trace, config, x, y, 0)
    assert start.values["weight"] == pytest.approx(trace.record(1).trained_before[0], rel=1e-9)


def test_a_diverged_step_is_explained_without_an_error() -> None:
    config = TrainingConfig(optimizer="adam")
    trace = StepTrace()
    nan, inf = math.nan, math.inf
    trace.extend(StepRecords(
        steps=np.array([1, 2]), epochs=np.array([1, 2]), batch_sizes=np.array([4, 4]), losses=np.array([inf, nan]),
        before=np.array([[1e30, 1.0], [inf, nan]]), after=np.array([[inf, nan], [nan, nan]]),
        trained_before=np.array([[1e30, 1.0], [inf, nan]]), trained_after=np.array([[inf, nan], [nan, nan]]),
        gradients=np.array([[1e300, -inf], [nan, nan]]), states=np.array([[1e300, -inf, inf, -1.0]] * 2),
        learning_rates=np.array([0.01, 0.01])))
    assert "–" in explained(trace, config, SEED_X, SEED_Y, 2).plain_text()
    assert "∞" in explained(trace, config, SEED_X, SEED_Y, 1).plain_text()


# --- the panel -------------------------------------------------------------------------------------------
def seed_run(steps: int = 5, optimizer: str = "sgd"):
    from gui.session.run_history import Run

    config = TrainingConfig(optimizer=optimizer)
    return Run(number=1, config=config, points=PointSet.from_columns(SEED_X, SEED_Y),
               trace=torch_full_batch(config, SEED_X, SEED_Y, steps))


@pytest.fixture
def panel(qtbot):
    from gui.views.step_details import StepDetailsView

    view = StepDetailsView()
    qtbot.addWidget(view)
    view.resize(420, 160)
    view.show()
    qtbot.waitExposed(view)
    return view


def _blocks(view):
    block = view.document().begin()
    while block.isValid():
        yield block
        block = block.next()


def test_the_panel_shows_the_step_as_selectable_read_only_text(panel) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont

    assert panel.objectName() == "stepDetails" and panel.accessibleName() and panel.toolTip()
    assert panel.isReadOnly()
    flags = panel.textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
    assert flags & Qt.TextInteractionFlag.TextSelectableByKeyboard
    assert "No run selected" in panel.toPlainText()
    run = seed_run()
    panel.show_step(run, 3)
    record = run.trace.record(3)
    shown = panel.toPlainText()
    assert "Step 3 · epoch 3" in shown and run.label in shown
    assert fmt.number(record.gradient[0]) in shown and fmt.number(record.trained_after[1]) in shown
    assert panel.plain_text() == panel.explanation.plain_text() == shown
    bold = {block.text(): block.begin().fragment().charFormat().fontWeight() for block in _blocks(panel)}
    assert bold["Gradient"] == bold["After the step"] == QFont.Weight.Bold  # headings stand out
    assert bold["  learning rate: lr = 0.01"] != QFont.Weight.Bold
    assert "Step 3 · epoch 3" in panel.plain_text()
    panel.show_step(run, 99)  # past the end: the newest step
    assert "Step 5 · epoch 5" in panel.toPlainText()
    panel.show_step(run, 0)
    assert "torch.manual_seed(0)" in panel.toPlainText()
    panel.show_step(None, 0)
    assert "No run selected" in panel.toPlainText()


def test_walking_through_steps_shows_each_steps_text_with_its_headings_bold(panel) -> None:
    """Consecutive steps replace only the lines that changed: what is shown must still be exactly the
    step's text, headings bold and nothing else, whichever way the timeline moves."""
    from PySide6.QtGui import QFont

    from gui.views.step_details import _heading_lines

    run = seed_run()
    for position in (1, 2, 3, 4, 5, 0, 3, 2, 5):
        panel.show_step(run, position)
        assert panel.toPlainText() == panel.explanation.plain_text()
        assert f"Step {position} " in panel.toPlainText() or position == 0
        headings = _heading_lines(panel.explanation)
        for number, block in enumerate(_blocks(panel)):
            if not block.text():
                continue
            weights = {fragment.charFormat().fontWeight() for fragment in _fragments(block)}
            expected = QFont.Weight.Bold if number in headings else QFont.Weight.Normal
            assert weights == {expected}, (position, number, block.text())


def _fragments(block):
    iterator = block.begin()
    while not iterator.atEnd():
        yield iterator.fragment()
        iterator += 1


def test_showing_the_same_step_again_keeps_the_readers_selection_and_scroll(panel) -> None:
    from PySide6.QtCore import QPoint

    run = seed_run()
    panel.show_step(run, 2)
    panel.selectAll()
    panel.show_step(run, 2)  # a paused replay re-shows its step every frame: the selection must survive
    assert panel.textCursor().hasSelection()
    bar = panel.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum() // 2)

    def top_line() -> str:
        return panel.cursorForPosition(QPoint(4, 4)).block().text()

    read = top_line()
    assert read != panel.document().firstBlock().text()
    panel.show_step(run, 3)  # the next step: the reader stays where they were reading
    assert "Step 3" in panel.toPlainText()
    assert top_line().split(":")[0] == read.split(":")[0]


def test_the_points_are_read_once_per_run(panel, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a million points a pass over them per frame would cost the frame: the moments are cached."""
    calls = []
    original = TrainedData.of_columns

    def counting(x, y, standardize):
        calls.append(len(x))
        return original(x, y, standardize)

    monkeypatch.setattr(TrainedData, "of_columns", staticmethod(counting))
    run, other = seed_run(), seed_run(optimizer="adam")
    for position in range(6):
        panel.show_step(run, position)
    assert calls == [4]
    panel.show_step(other, 2)
    panel.show_step(run, 1)
    assert calls == [4, 4]
    assert "Optimizer: SGD" in panel.toPlainText()


def test_a_thinned_run_says_what_the_timeline_keeps(panel) -> None:
    run = seed_run(steps=10)
    thinned = StepTrace(capacity=4)
    thinned.extend(run.trace.records())
    run.trace = thinned
    panel.show_step(run, len(thinned) - 1)
    assert "Step 10 · epoch 10" in panel.toPlainText()
    assert f"keeps every {thinned.stride:,}th step" in panel.toPlainText() and thinned.stride > 1


def test_the_html_rendering_says_the_same_as_the_text() -> None:
    config = TrainingConfig(optimizer="momentum")
    explanation = explained(torch_full_batch(config, SEED_X, SEED_Y, 2), config, SEED_X, SEED_Y, 2)
    page = explanation.html()
    for section in explanation.sections:
        assert f"<b>{section.title}</b>" in page
        for line in section.lines:
            assert line.text.replace("'", "&#x27;") in page
    assert "<b>Optimizer: SGD with momentum</b>" in page


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_engines_own_records_are_explained_consistently(optimizer: str) -> None:
    """What the trainer records (float32, fused loop) reads back as the arithmetic shown: the recomputed
    gradient agrees, the optimizer's rule gives the step taken, mini-batches count 1…B in every epoch."""
    from engine.training.trainer import train

    x = np.linspace(0, 10, 40)
    points = PointSet.from_columns(x, 3 * x + np.random.default_rng(0).normal(0, 1, 40))
    for batch_size in (None, 7):
        config = TrainingConfig(optimizer=optimizer, epochs=12, batch_size=batch_size, path="fused")
        batches: list = []
        train(points, config, batches.append)
        trace = StepTrace()
        for batch in batches:
            trace.extend(batch.records)
        data = TrainedData.of_columns(points.x, points.y, False)
        values = [explain_step(trace.record(p), config, data).values for p in range(1, len(trace))]
        assert len(values) == 12 * batches_per_epoch(40, batch_size)
        for value in values:
            assert value["step_w"] == pytest.approx(value["delta_w"], rel=1e-4, abs=1e-6)
            assert value["step_b"] == pytest.approx(value["delta_b"], rel=1e-4, abs=1e-6)
        if batch_size is None:
            assert max(value["gradient_agreement"] for value in values) < 1e-5  # float32 rounding, no more
        else:
            assert [int(value["batch_index"]) for value in values] == list(range(1, 7)) * 12


@pytest.mark.parametrize("settings", [{"degree": 3}, {"optimizer": "rmsprop"}, {"loss": "huber"}, {"l2": 0.1},
                                      {"validation_fraction": 0.25}])
def test_a_step_beyond_the_line_s_mse_is_spelled_out_per_parameter(settings: dict) -> None:
    """A polynomial, another loss or optimizer, a penalty or a split: no MSE line arithmetic that would be
    wrong, but every parameter's gradient and update (tests/test_polynomial_replay.py checks the numbers)."""
    from engine.training.trainer import train

    points = PointSet.from_columns(np.linspace(-1, 1, 8), np.linspace(0, 2, 8) ** 2)
    config = TrainingConfig(epochs=3, learning_rate=0.05, **settings)
    batches: list = []
    train(points, config, on_progress=batches.append)
    trace = StepTrace()
    for batch in batches:
        trace.extend(batch.records)
    record = trace.record(2)
    assert record is not None
    data = TrainedData.of_columns(points.x, points.y, False)
    explanation = explain_step(record, config, data)
    text = explanation.plain_text()
    assert explanation.title == "Step 2 · epoch 2" and "Σ r·x" not in text
    assert explanation.values["grad_b"] == record.gradient[1]
    assert ("∂L/∂w₃" in text) == (config.degree == 3) and "in your units: y = " in text
    assert "What Step does" in explain_step(None, config, data).plain_text()


def test_while_the_timeline_ticks_the_text_follows_every_other_frame_and_ends_on_the_newest_step(
        qtbot, panel, monkeypatch) -> None:
    """A run playing asks for a new step every frame (~16.7 ms): the text shows one every other frame, and
    the newest step asked for is always the one left on screen."""
    from gui.views import step_details
    from gui.views.step_details import FLUSH_MS

    now = [1000.0]
    monkeypatch.setattr(step_details, "_clock", lambda: now[0])
    run = seed_run(steps=12)
    shown = []
    for position in range(1, 13):
        panel.show_step(run, position, ticking=True)
        QApplication.processEvents()  # the rest of the frame: a due step is explained after its paints
        shown.append(panel.toPlainText().split("\n", 1)[0])
        now[0] += 1 / 60
    assert shown == [shown[0], shown[0], shown[2], shown[2], shown[4], shown[4], shown[6], shown[6], shown[8],
                     shown[8], shown[10], shown[10]] and "Step 11 " in shown[10], shown
    qtbot.waitUntil(lambda: "Step 12 " in panel.toPlainText(), timeout=FLUSH_MS * 10)  # the last one shows
    assert panel.toPlainText() == panel.explanation.plain_text()
    panel.show_step(run, 5, ticking=True)  # held back (no time passed)
    panel.show_step(run, 3)  # the user's own move shows at once, and the held step is dropped
    assert "Step 3 " in panel.toPlainText()
    qtbot.wait(FLUSH_MS * 2)
    assert "Step 3 " in panel.toPlainText()


def test_the_text_read_while_a_step_is_held_back_is_the_newest_steps(qtbot, panel) -> None:
    run = seed_run(steps=6)
    panel.show_step(run, 1, ticking=True)
    panel.show_step(run, 2, ticking=True)  # within the interval: held back
    assert "Step 2 " in panel.plain_text()  # the clipboard and the tests read the newest step
    assert "Step 2 " in panel.toPlainText()


def test_while_a_race_plays_the_text_follows_every_third_frame_and_every_other_once_it_ends(
        qtbot, window, monkeypatch) -> None:
    """A race draws three runs in every frame: the followed racer's text changes every third frame (20 a
    second), a run alone every other frame again once the race is over."""
    from gui.views import step_details
    from tests.timeline_runs import feed, result_of, start_race, step_records

    now = [1000.0]
    monkeypatch.setattr(step_details, "_clock", lambda: now[0])
    points = PointSet.seed()
    racers = start_race(window, points)
    fed = {run.number: step_records(run.config, points, 12)[0] for run in racers}

    def play(frames: range) -> list[str]:
        shown = []
        for frame in frames:
            for run in racers:  # each racer's next step arrives
                feed(run, _step(fed[run.number], frame))
            window.timeline.on_frame()
            QApplication.processEvents()
            shown.append(window.step_details.toPlainText().split("\n", 1)[0])
            now[0] += 1 / 60
        return shown

    shown = play(range(1, 10))
    assert window.timeline.selected_run() is racers[-1]
    changes = [index for index in range(1, len(shown)) if shown[index] != shown[index - 1]]
    assert changes == [3, 6], shown
    for run in racers:
        window.runs.finish_run(run, result_of(run))
    assert window.step_details.ticking_interval_s == step_details.TICKING_INTERVAL_S


def _step(records: StepRecords, step: int) -> StepRecords:
    """The records' step `step` (1-based) alone."""
    values = {name: getattr(records, name) for name in records.__dataclass_fields__}
    return StepRecords(**{name: value[step - 1:step] if isinstance(value, np.ndarray) else value
                          for name, value in values.items()})
