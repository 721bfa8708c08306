"""The optimizer, loss and schedule registries: one entry is all a choice needs, and every entry is whole."""

from __future__ import annotations

from dataclasses import fields

import pytest
import torch
from torch import nn, optim

from engine.analysis.least_squares import Moments, largest_stable_learning_rate
from engine.data.points import PointSet
from engine.errors import ConfigError
from engine.training.config import TrainingConfig
from engine.training.losses import DEFAULT_LOSS, LOSSES
from engine.training.optimizers import OPTIMIZERS, OptimizerSpec, stable_learning_rate_for
from engine.training.registry import Registry
from engine.training.schedules import DEFAULT_SCHEDULE, SCHEDULES
from engine.training.trainer import train
from tests.conftest import run_python

SEED_X, SEED_Y = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0]


def plain_torch_loop(spec: OptimizerSpec, config: TrainingConfig) -> tuple[float, float]:
    """The classic example (tests/seed_script.py), its loss and optimizer built from the entries' script lines:
    plain torch, none of the engine's steppers."""
    torch.manual_seed(config.seed)
    x = torch.tensor([[value] for value in SEED_X])
    y = torch.tensor([[value] for value in SEED_Y])
    model = nn.Linear(1, 1)
    namespace = {"model": model, "nn": nn, "optim": optim, "LEARNING_RATE": config.learning_rate,
                 **{name.upper(): getattr(config, name) for name in spec.script_settings}}
    exec(LOSSES.get(DEFAULT_LOSS).script_line, namespace)
    exec(spec.script_line, namespace)
    criterion, optimizer = namespace["criterion"], namespace["optimizer"]
    for _ in range(config.epochs):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    return model.weight.item(), model.bias.item()


def test_the_optimizers_in_race_order_with_the_labels_the_app_shows() -> None:
    assert OPTIMIZERS.keys() == ("sgd", "momentum", "adam")
    assert list(OPTIMIZERS) == list(OPTIMIZERS.keys())
    assert OPTIMIZERS.labels() == {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}
    assert "adam" in OPTIMIZERS and "lbfgs" not in OPTIMIZERS and [] not in OPTIMIZERS
    assert len(OPTIMIZERS) == 3 and [spec.key for spec in OPTIMIZERS.values()] == list(OPTIMIZERS.keys())


@pytest.mark.parametrize("key", OPTIMIZERS.keys())
def test_every_optimizer_trains_alike_on_both_paths_and_in_plain_torch(key: str) -> None:
    config = TrainingConfig(optimizer=key, device="cpu")
    fused = train(PointSet.from_columns(SEED_X, SEED_Y), TrainingConfig(**{**config.to_dict(), "path": "fused"}))
    autograd = train(PointSet.from_columns(SEED_X, SEED_Y), TrainingConfig(**{**config.to_dict(), "path": "autograd"}))
    weight, bias = plain_torch_loop(OPTIMIZERS.get(key), config)
    assert fused.stop_reason == autograd.stop_reason == "completed"
    assert (fused.path, autograd.path) == ("fused", "autograd")
    for result in (fused, autograd):
        assert result.weight == pytest.approx(weight, abs=1e-5) and result.bias == pytest.approx(bias, abs=1e-5)
    assert fused.weight == pytest.approx(autograd.weight, abs=1e-5)
    assert fused.bias == pytest.approx(autograd.bias, abs=1e-5)


@pytest.mark.parametrize("registry", [OPTIMIZERS, LOSSES, SCHEDULES], ids=["optimizers", "losses", "schedules"])
def test_every_entry_is_whole(registry: Registry) -> None:
    assert len(registry) >= 1
    for entry in registry.values():
        assert entry.key.isidentifier() and entry.key == entry.key.lower()
        assert entry.label.strip() and entry.description.strip()
        lines = [entry.script_line] if hasattr(entry, "script_line") else list(entry.script_lines)
        compile("\n".join(lines), f"<{registry.kind} {entry.key}>", "exec")


def test_every_optimizer_entry_is_complete() -> None:
    config_fields = {field.name for field in fields(TrainingConfig)}
    for spec in OPTIMIZERS.values():
        assert spec.script_line.startswith("optimizer = optim.")
        assert set(spec.script_settings) <= config_fields
        for name in spec.script_settings:
            assert name.upper() in spec.script_line
        theta = torch.tensor([0.5, -0.5])
        update = spec.make_fused(theta, TrainingConfig(optimizer=spec.key))
        update(torch.tensor([1.0, -2.0]), 0.5)
        assert torch.isfinite(theta).all() and not torch.equal(theta, torch.tensor([0.5, -0.5]))
        model = nn.Linear(1, 1)
        assert isinstance(spec.make_torch(model.parameters(), TrainingConfig(optimizer=spec.key)), optim.Optimizer)


def test_the_loss_and_the_schedule_the_app_uses_today() -> None:
    assert LOSSES.keys() == ("mse",) and DEFAULT_LOSS == "mse"
    mse = LOSSES.get("mse")
    assert mse.label == "Mean squared error" and mse.script_line == "criterion = nn.MSELoss()"
    assert isinstance(mse.make_criterion(), nn.MSELoss)
    assert SCHEDULES.keys() == ("constant",) and DEFAULT_SCHEDULE == "constant"
    constant = SCHEDULES.get("constant")
    assert constant.label == "Constant" and constant.script_lines == ()
    model = nn.Linear(1, 1)
    assert constant.make_scheduler(optim.SGD(model.parameters(), lr=0.1), TrainingConfig()) is None


@pytest.mark.parametrize(("registry", "message"), [
    (OPTIMIZERS, "Unknown optimizer 'nope': choose one of sgd, momentum, adam."),
    (LOSSES, "Unknown loss 'nope': choose one of mse."),
    (SCHEDULES, "Unknown schedule 'nope': choose one of constant."),
])
def test_unknown_keys_raise_a_config_error_that_lists_the_choices(registry: Registry, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        registry.get("nope")
    assert str(caught.value) == message


def test_an_unknown_optimizer_in_a_config_names_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"^Unknown optimizer 'lbfgs': choose one of sgd, momentum, adam\.$"):
        TrainingConfig(optimizer="lbfgs")
    with pytest.raises(ConfigError, match="choose one of"):
        TrainingConfig.from_dict({"optimizer": ["sgd"]})  # a hand-edited project file
    with pytest.raises(ConfigError, match="choose one of"):
        stable_learning_rate_for(Moments.of(PointSet.seed()), "lbfgs", 0.9)


def test_a_key_is_registered_once() -> None:
    sgd = OPTIMIZERS.get("sgd")
    with pytest.raises(ValueError, match="twice"):
        Registry("optimizer", [sgd, sgd])


def test_the_stable_rate_rules() -> None:
    moments = Moments.of(PointSet.seed())
    plain = largest_stable_learning_rate(moments)
    assert plain is not None
    assert stable_learning_rate_for(moments, "sgd", 0.9) == plain
    assert stable_learning_rate_for(moments, "momentum", 0.5) == plain * 1.5
    assert stable_learning_rate_for(moments, "adam", 0.9) is None
    assert [spec.has_fixed_bound for spec in OPTIMIZERS.values()] == [True, True, False]
    assert [spec.uses_momentum for spec in OPTIMIZERS.values()] == [False, True, False]
    assert all(spec.stable_learning_rate(None, 0.9) is None for spec in OPTIMIZERS.values())


def test_the_registries_and_the_script_export_load_without_torch() -> None:
    """The GUI process reads labels and rules from the registries and must never pay for importing torch."""
    script = ("import sys, engine.training.config, engine.training.optimizers, engine.training.losses, "
              "engine.training.schedules, engine.files.script_export, engine.analysis.least_squares, "
              "gui.views.training_panel, gui.session.run_history, cli.commands; "
              "bad = [m for m in sys.modules if m.split('.')[0] == 'torch']; print(bad[:5]); sys.exit(bool(bad))")
    completed = run_python("-c", script)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_panel_is_built_from_the_registry(qtbot) -> None:
    from PySide6.QtCore import Qt

    from gui.views.training_panel import TrainingPanel

    panel = TrainingPanel()
    qtbot.addWidget(panel)
    combo = panel.optimizer_combo
    assert [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())] == list(OPTIMIZERS.labels().items())
    assert combo.itemData(0, Qt.ItemDataRole.ToolTipRole) == OPTIMIZERS.get("sgd").description
    panel.set_data(Moments.of(PointSet.seed()), None)
    for spec in OPTIMIZERS.values():
        combo.setCurrentIndex(combo.findData(spec.key))
        assert panel.momentum_spin.isEnabled() == spec.uses_momentum
        text = panel.stable_rate_label.text()
        expected = "Stable below" if spec.has_fixed_bound else f"{spec.description}: no fixed bound."
        assert text.startswith(expected)
    assert panel.stable_rate_label.text() == "Adam scales its own steps: no fixed bound."
    assert panel.race_button.toolTip().startswith("Train SGD, SGD with momentum and Adam one after another")
