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
    assert OPTIMIZERS.keys() == ("sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop", "adagrad")
    assert list(OPTIMIZERS) == list(OPTIMIZERS.keys())
    assert OPTIMIZERS.labels() == {"sgd": "SGD", "momentum": "SGD with momentum", "nesterov": "Nesterov momentum",
                                   "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad"}
    assert "adam" in OPTIMIZERS and "lbfgs" not in OPTIMIZERS and [] not in OPTIMIZERS
    assert len(OPTIMIZERS) == 7 and [spec.key for spec in OPTIMIZERS.values()] == list(OPTIMIZERS.keys())


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


def test_the_losses_and_the_schedules_with_their_torch_modules() -> None:
    assert LOSSES.keys() == ("mse", "mae", "huber") and DEFAULT_LOSS == "mse"
    mse = LOSSES.get("mse")
    assert mse.label == "Mean squared error" and mse.script_line == "criterion = nn.MSELoss()"
    assert isinstance(mse.make_criterion(1.0), nn.MSELoss)
    assert isinstance(LOSSES.get("mae").make_criterion(1.0), nn.L1Loss)
    huber = LOSSES.get("huber").make_criterion(0.25)
    assert isinstance(huber, nn.HuberLoss) and huber.delta == 0.25
    assert SCHEDULES.keys() == ("constant", "step", "exponential", "cosine") and DEFAULT_SCHEDULE == "constant"
    constant = SCHEDULES.get("constant")
    assert constant.label == "Constant" and constant.script_lines == ()
    model = nn.Linear(1, 1)
    assert constant.make_scheduler(optim.SGD(model.parameters(), lr=0.1), TrainingConfig()) is None
    made = {key: SCHEDULES.get(key).make_scheduler(optim.SGD(model.parameters(), lr=0.1),
                                                   TrainingConfig(schedule=key, epochs=40))
            for key in ("step", "exponential", "cosine")}
    assert isinstance(made["step"], optim.lr_scheduler.StepLR) and made["step"].step_size == 10
    assert made["step"].gamma == 0.5
    assert isinstance(made["exponential"], optim.lr_scheduler.ExponentialLR) and made["exponential"].gamma == 0.995
    assert isinstance(made["cosine"], optim.lr_scheduler.CosineAnnealingLR) and made["cosine"].T_max == 40


@pytest.mark.parametrize("key", ["constant", "step", "exponential", "cosine"])
@pytest.mark.parametrize("epochs", [1, 7, 12])
def test_each_schedules_fused_rate_is_torchs_in_every_epoch(key: str, epochs: int) -> None:
    """The fused loop's rate recurrence against torch's scheduler, epoch by epoch, past the end of the run
    (Continue keeps stepping it)."""
    config = TrainingConfig(schedule=key, epochs=epochs, learning_rate=0.3, step_size=3 if key == "step" else None)
    spec = SCHEDULES.get(key)
    optimizer = optim.SGD(nn.Linear(1, 1).parameters(), lr=config.learning_rate)
    scheduler = spec.make_scheduler(optimizer, config)
    rate = config.learning_rate
    for epoch in range(1, 3 * epochs + 2):
        optimizer.step()  # no gradients: moves nothing, but torch wants it before the scheduler's step
        if scheduler is not None:
            scheduler.step()
        rate = spec.next_rate(rate, config.learning_rate, epoch, config)
        assert rate == pytest.approx(optimizer.param_groups[0]["lr"], rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("registry", "message"), [
    (OPTIMIZERS, "Unknown optimizer 'nope': choose one of sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad."),
    (LOSSES, "Unknown loss 'nope': choose one of mse, mae, huber."),
    (SCHEDULES, "Unknown schedule 'nope': choose one of constant, step, exponential, cosine."),
])
def test_unknown_keys_raise_a_config_error_that_lists_the_choices(registry: Registry, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        registry.get("nope")
    assert str(caught.value) == message


def test_an_unknown_optimizer_in_a_config_names_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"^Unknown optimizer 'lbfgs': choose one of sgd, momentum, nesterov, "
                                          r"adam, adamw, rmsprop, adagrad\.$"):
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
    assert stable_learning_rate_for(moments, "nesterov", 0.5) == pytest.approx(plain * 1.5 / 2.0)
    for adaptive in ("adam", "adamw", "rmsprop", "adagrad"):
        assert stable_learning_rate_for(moments, adaptive, 0.9) is None
    assert [spec.has_fixed_bound for spec in OPTIMIZERS.values()] == [True, True, True, False, False, False, False]
    assert [spec.uses_momentum for spec in OPTIMIZERS.values()] == [False, True, True, False, False, False, False]
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
    assert panel.stable_rate_label.text() == f"{OPTIMIZERS.get('adagrad').description}: no fixed bound."
    assert panel.race_button.toolTip().startswith("Train SGD, SGD with momentum and Adam one after another")
