"""Why one optimizer step moved every parameter as it did, for every run the line's explanation does not
spell out (step_explanation.py): a polynomial, MAE or Huber, an L1/L2 penalty, a validation split, any of
the seven optimizers.

The numbers are the engine's own (a StepRecord, with a polynomial's every coefficient in its ParameterStep):
the gradient it used and the optimizer's state after the step. The state before the step is torch's update
run backwards from those two, and the step is the optimizer's rule applied to them, written out per
parameter with its numbers. For a full batch the gradient is recomputed in float64 from the run's own
training points (`TrainedColumns`: the held-out points left out, the columns scaled as the run scales them)
and stands beside the engine's: for MSE from the Gram matrix AᵀA (O(P²) a step; building it is one pass,
done up to GRAM_LIMIT points), for MAE and Huber by a pass over the points, up to RECOMPUTE_LIMIT points.
Beyond those the panel shows the engine's gradient alone and says why: the window must not stall on a
pass over a million points when a run is selected.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.data.features import FeatureScaling, validation_split
from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.explanation_text import Explanation, Line, Section
from engine.training.optimizers import (
    ADAGRAD_EPS,
    ADAM_BETAS,
    ADAM_EPS,
    ADAMW_WEIGHT_DECAY,
    OPTIMIZERS,
    RMSPROP_ALPHA,
    RMSPROP_EPS,
)
from engine.training.step_trace import ParameterStep, StepRecord

Formatter = Callable[[float], str]
RECOMPUTE_LIMIT = 20_000  # MAE and Huber recompute the gradient by a pass over at most this many points
GRAM_LIMIT = 100_000  # MSE builds AᵀA once per run (~0.1 s at this size) up to this many points
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_DERIVATIVES = {"mse": ("(2/{m})·Σ rᵢ·{x}", "(2/{m})·Σ rᵢ"),
                "mae": ("(1/{m})·Σ sign(rᵢ)·{x}", "(1/{m})·Σ sign(rᵢ)"),
                "huber": ("(1/{m})·Σ clip(rᵢ, −δ, δ)·{x}", "(1/{m})·Σ clip(rᵢ, −δ, δ)")}
_LOSS_WORDS = {"mse": "mean squared error", "mae": "mean absolute error", "huber": "mean Huber loss"}


def _plain(value: float) -> str:
    return f"{value:.6g}".replace("-", "−")


@dataclass(frozen=True, eq=False)
class TrainedColumns:
    """A run's training points as it trains on them, for recomputing a full batch's gradient: computed once
    per run. `features` is [n, D] (empty beyond RECOMPUTE_LIMIT), `gram` (AᵀA, Aᵀy) with A = [features, 1]."""

    n: int
    features: np.ndarray
    targets: np.ndarray
    gram: tuple[np.ndarray, np.ndarray] | None
    delta: float  # Huber's δ in the trained units

    @classmethod
    def of_points(cls, points: PointSet | None, config: TrainingConfig) -> TrainedColumns:
        """The split, scaling and columns the trainer makes of `points` for `config` (see trainer.py)."""
        degree = config.degree
        if points is None or len(points) == 0:
            return cls(0, np.empty((0, degree)), np.empty(0), None, config.huber_delta)
        limit = GRAM_LIMIT if config.loss == "mse" else RECOMPUTE_LIMIT
        if len(points) > limit:  # not recomputed: only how many points train
            held_count = min(len(points) - 1, int(config.validation_fraction * len(points)))
            return cls(len(points) - max(held_count, 0), np.empty((0, degree)), np.empty(0), None,
                       config.huber_delta)
        training = points
        if config.validation_fraction > 0.0:
            rows, held = validation_split(len(points), config.validation_fraction, config.seed)
            if held.size:
                training = PointSet.from_columns(points.x[rows], points.y[rows], validate=False)
        scaling = FeatureScaling.fitted_to(training, degree) if config.standardize else FeatureScaling.identity(degree)
        features, targets = scaling.columns(training)
        design = np.hstack([features, np.ones((features.shape[0], 1))])
        gram = (design.T @ design, design.T @ targets) if config.loss == "mse" else None
        return cls(features.shape[0], features, targets, gram, config.huber_delta / scaling.scale_y)

    def gradient(self, theta: np.ndarray, config: TrainingConfig) -> np.ndarray | None:
        """∂L/∂θ of the full batch at trained θ = [w₁…w_D, b], penalties included; None where it is not
        recomputed (no points, or MAE/Huber beyond RECOMPUTE_LIMIT)."""
        if self.n == 0:
            return None
        if self.gram is not None:
            gram, moment = self.gram
            gradient = (gram @ theta - moment) * (2.0 / self.n)
        elif self.features.shape[0] == self.n:
            residual = self.features @ theta[:-1] + theta[-1] - self.targets
            slope = np.sign(residual) if config.loss == "mae" else np.clip(residual, -self.delta, self.delta)
            gradient = np.append(self.features.T @ slope, slope.sum()) / self.n
        else:
            return None
        gradient[:-1] += 2.0 * config.l2 * theta[:-1] + config.l1 * np.sign(theta[:-1])
        return gradient


def parameter_step_of(record: StepRecord) -> ParameterStep:
    """A polynomial's recorded ParameterStep, or a line's (w, b) record in the same form."""
    if record.parameters is not None:
        return record.parameters
    buffers = tuple(tuple(record.state[i:i + 2]) for i in range(0, len(record.state), 2))
    return ParameterStep((record.before[1], record.before[0]), (record.after[1], record.after[0]),
                         record.trained_before, record.trained_after, record.gradient, buffers)


def parameter_names(count: int) -> list[str]:
    """w for a line's weight, w₁…w_D for a polynomial's, then b."""
    weights = ["w"] if count == 2 else [f"w{str(j).translate(_SUBSCRIPTS)}" for j in range(1, count)]
    return [*weights, "b"]


def polynomial_text(coefficients: tuple[float, ...], number: Formatter = _plain) -> str:
    """y = c₀ + c₁·x + c₂·x² …, with the run's numbers."""
    terms: list[str] = []
    for power, value in enumerate(coefficients):
        variable = "" if power == 0 else "·x" if power == 1 else f"·x{str(power).translate(_SUPERSCRIPTS)}"
        text = number(abs(value)) + variable
        terms.append(text if not terms else ("− " if value < 0 else "+ ") + text)
        if len(terms) == 1 and value < 0:
            terms[0] = "−" + text
    return "y = " + " ".join(terms)


def explain_parameter_step(record: StepRecord | None, config: TrainingConfig, columns: TrainedColumns | None, *,
                           initial_coefficients: tuple[float, ...] | None = None,
                           number: Formatter = _plain) -> Explanation:
    """The step `record` explained per parameter (None: the start of the run)."""
    if record is None:
        return _explain_start(config, columns, initial_coefficients, number)
    step = parameter_step_of(record)
    names = parameter_names(len(step.after))
    n = columns.n if columns is not None else 0
    full = n > 0 and record.batch_size >= n
    values: dict[str, float] = {"learning_rate": record.learning_rate}
    title = f"Step {record.step:,} · epoch {record.epoch:,}"
    if full:
        batch = f"all {n:,} training points (full batch: one step per epoch)"
    elif n == 0:
        batch = f"{record.batch_size:,} points (the run's points are not known here)"
    else:
        size = config.batch_size or n
        per_epoch = -(-n // size) if size < n else 1  # the trainer's slicing: the last batch may be smaller
        index = (record.step - 1) % per_epoch + 1
        title += f" · batch {index:,} of {per_epoch:,}, {record.batch_size:,} points"
        batch = (f"batch {index:,} of {per_epoch:,} of epoch {record.epoch:,}: {record.batch_size:,} of the {n:,} "
                 f"training points, in the order of that epoch's seeded shuffle (seed {config.seed})")
    sections = [Section("Batch", (Line("", batch),))]
    if config.standardize:
        sections.append(Section("Units", (Line("", "This run trains on standardised columns (x′ = (x − mean x)/sd x, "
                                                   "each higher power of x′ standardised again, y likewise): the "
                                                   "parameters, the gradient and the update below are in those units; "
                                                   "the curve is also shown in your units."),)))
    sections.append(Section("Before the step", (
        Line("parameters", _listing(names, step.before, number)),
        Line("loss", f"L = {number(record.loss)} ({_LOSS_WORDS[config.loss]} over the batch, in your units, "
                     "without the penalty)"),
        Line("in your units", polynomial_text(step.coefficients_before, number)))))
    sections.append(Section("Gradient", _gradient_lines(step, names, config, columns if full else None, full,
                                                        values, number)))
    sections.append(_optimizer_section(step, names, record, config, values, number))
    deltas = [after - before for before, after in zip(step.before, step.after, strict=True)]
    for name, delta in zip(names, deltas, strict=True):
        values[f"delta_{name}"] = delta
    after = [Line("update", "Δ = after − before: " + _listing(names, tuple(deltas), number))]
    if any(values[f"step_{name}"] != delta for name, delta in zip(names, deltas, strict=True)):
        after.append(Line("", "The parameters are stored as float32, so Δ can differ from the step above in its "
                              "last digits: that is rounding, not a different update."))
    after += [Line("parameters", _listing(names, step.after, number)),
              Line("in your units", polynomial_text(step.coefficients_after, number))]
    sections.append(Section("After the step", tuple(after)))
    return Explanation(title, tuple(sections), values)


def _listing(names: list[str], numbers: tuple[float, ...], number: Formatter) -> str:
    return ",  ".join(f"{name} {number(value)}" for name, value in zip(names, numbers, strict=True))


def _explain_start(config: TrainingConfig, columns: TrainedColumns | None,
                   initial: tuple[float, ...] | None, number: Formatter) -> Explanation:
    origin = f"nn.Linear({config.degree}, 1)'s initial weights and bias after torch.manual_seed({config.seed})"
    lines = [Line("", f"The run starts from {origin}"
                      + ("; they appear here with its first step." if initial is None else "."))]
    if initial is not None:
        lines.append(Line("in your units", polynomial_text(initial, number)))
    n = columns.n if columns is not None else 0
    spec = OPTIMIZERS.get(config.optimizer)
    if n and config.batch_size and config.batch_size < n:
        what = (f"Step takes one optimizer step on the first mini-batch: {config.batch_size:,} of the {n:,} "
                f"training points, in epoch 1's seeded shuffle, then {spec.label}'s update.")
    else:
        what = (f"Step takes one optimizer step: the gradient of the {_LOSS_WORDS[config.loss]}"
                + (" plus the penalty" if config.l1 or config.l2 else "")
                + (f" over all {n:,} training points" if n else "") + f", then {spec.label}'s update (one epoch).")
    return Explanation("Before the first step", (Section("Start", tuple(lines)),
                                                 Section("What Step does", (Line("", what),))))


def _gradient_lines(step: ParameterStep, names: list[str], config: TrainingConfig, columns: TrainedColumns | None,
                    full: bool, values: dict[str, float], number: Formatter) -> tuple[Line, ...]:
    size = "N" if full else "m"
    column = "xᵢ" if len(names) == 2 else "φⱼ(xᵢ)"
    weight_rule, bias_rule = (rule.format(m=size, x=column) for rule in _DERIVATIVES[config.loss])
    weight = "w" if len(names) == 2 else "wⱼ"
    penalty = "".join([f" + 2·λ₂·{weight}" if config.l2 else "", f" + λ₁·sign({weight})" if config.l1 else ""])
    model = "w·xᵢ + b" if len(names) == 2 else "Σⱼ wⱼ·φⱼ(xᵢ) + b"
    lines = [Line("formula", f"∂L/∂{weight} = {weight_rule}{penalty},  ∂L/∂b = {bias_rule},  with rᵢ = {model} − yᵢ")]
    if len(names) > 2:
        lines.append(Line("", "φⱼ(x) is column j the run trains on: xʲ" + (", standardised" if config.standardize
                                                                             else "")))
    if config.loss == "huber":
        lines.append(Line("", f"δ = {number(config.huber_delta)} in your units"
                              + (" (divided by sd y in the standardised units)" if config.standardize else "")))
    for index, (name, value) in enumerate(zip(names, step.gradient, strict=True)):
        values[f"grad_{name}"] = value
        term = ""
        if name != "b" and (config.l1 or config.l2):
            w = step.before[index]
            pen = 2.0 * config.l2 * w + config.l1 * float(np.sign(w))
            term = f" = {number(value - pen)} (the loss) {'−' if pen < 0 else '+'} {number(abs(pen))} (the penalty)"
        lines.append(Line(f"∂L/∂{name}", f"{number(value)}{term}"))
    lines.append(Line("", "These are the engine's numbers, the gradient it stepped with (penalties included)."))
    recomputed = None if columns is None else columns.gradient(np.asarray(step.before, dtype=np.float64), config)
    if recomputed is not None:
        scale = max(float(np.max(np.abs(recomputed))), 1e-300)
        agreement = float(np.max(np.abs(np.asarray(step.gradient) - recomputed))) / scale
        values["gradient_agreement"] = agreement
        for name, value in zip(names, recomputed.tolist(), strict=True):
            values[f"recomputed_grad_{name}"] = value
        count = columns.n if columns is not None else 0
        lines.append(Line("recomputed", f"{_listing(names, tuple(recomputed.tolist()), number)} in float64 from "
                                        f"the {count:,} training points (largest difference {agreement:.1e} of "
                                        "the largest component)"))
    elif not full:
        lines.append(Line("", "Which points were in this mini-batch is known only inside the training process, "
                              "so the gradient is the one the engine computed on them."))
    elif columns is not None and columns.n:
        limit = GRAM_LIMIT if config.loss == "mse" else RECOMPUTE_LIMIT
        lines.append(Line("", f"Not recomputed here: a pass over more than {limit:,} points would stall the "
                              "window."))
    return tuple(lines)


def _optimizer_section(step: ParameterStep, names: list[str], record: StepRecord, config: TrainingConfig,
                       values: dict[str, float], number: Formatter) -> Section:
    key, rate, t = config.optimizer, record.learning_rate, max(record.step, 1)
    spec = OPTIMIZERS.get(key)
    lines = [Line("learning rate", f"lr = {number(rate)}")]
    beta = config.momentum
    beta1, beta2 = ADAM_BETAS
    if key in ("adam", "adamw"):
        lines.append(Line("", f"t = {t:,}, β₁ = {beta1:g}, β₂ = {beta2:g}, ε = {number(ADAM_EPS)}"
                              + (" (m and v start at 0)" if t == 1 else "")))
    if key == "adamw":
        lines.append(Line("", f"AdamW first shrinks every parameter by lr·{ADAMW_WEIGHT_DECAY:g} of itself "
                              "(decoupled weight decay), then takes Adam's step."))
    if key == "sgd":
        lines.append(Line("", "Plain gradient descent keeps no state: the step is −lr times the gradient."))
    for index, name in enumerate(names):
        g = step.gradient[index]
        state = [buffer[index] for buffer in step.state]
        text, move = _rule(key, g, state, rate, t, beta, step.before[index], values, name, number)
        values[f"step_{name}"] = move
        lines.append(Line(name, text))
    return Section(f"Optimizer: {spec.label}", tuple(lines))


def _rule(key: str, g: float, state: list[float], rate: float, t: int, beta: float, before: float,
          values: dict[str, float], name: str, number: Formatter) -> tuple[str, float]:
    """One parameter's update under optimizer `key`: its arithmetic as text, and the step it takes."""
    n = number

    def factor(value: float) -> str:
        text = n(value)
        return f"({text})" if text.startswith(("−", "-")) else text

    if key == "sgd":
        move = -rate * g
        return f"Δ = −lr·g = −{n(rate)}·{factor(g)} = {n(move)}", move
    if key in ("momentum", "nesterov"):
        v = state[0]
        previous = 0.0 if t == 1 or beta == 0.0 else (v - g) / beta
        values[f"velocity_{name}"], values[f"velocity_prev_{name}"] = v, previous
        velocity = (f"v = g = {n(v)} (the buffer starts as the first gradient)" if t == 1 else
                    f"v = β·v_prev + g = {beta:g}·{factor(previous)} + {factor(g)} = {n(v)}")
        if key == "momentum":
            move = -rate * v
            return f"{velocity};  Δ = −lr·v = {n(move)}", move
        move = -rate * (g + beta * v)
        return f"{velocity};  Δ = −lr·(g + β·v) = −{n(rate)}·({n(g)} + {beta:g}·{factor(v)}) = {n(move)}", move
    if key in ("adam", "adamw"):
        beta1, beta2 = ADAM_BETAS
        m, v = state[0], state[1]
        m_prev = 0.0 if t == 1 else (m - (1 - beta1) * g) / beta1
        v_prev = 0.0 if t == 1 else (v - (1 - beta2) * g * g) / beta2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        adam = -rate * m_hat / (_root(v_hat) + ADAM_EPS)
        decay = -rate * ADAMW_WEIGHT_DECAY * before if key == "adamw" else 0.0
        values.update({f"m_{name}": m, f"v_{name}": v, f"m_hat_{name}": m_hat, f"v_hat_{name}": v_hat})
        text = (f"m = {beta1:g}·{factor(m_prev)} + {1 - beta1:.2g}·{factor(g)} = {n(m)},  "
                f"v = {beta2:g}·{factor(v_prev)} + {1 - beta2:.2g}·{factor(g)}² = {n(v)};  "
                f"m̂ = {n(m_hat)}, v̂ = {n(v_hat)};  −lr·m̂/(√v̂ + ε) = {n(adam)}")
        if key == "adamw":
            text += f";  decay −lr·{ADAMW_WEIGHT_DECAY:g}·{factor(before)} = {n(decay)};  Δ = {n(adam + decay)}"
        return text, adam + decay
    if key == "rmsprop":
        square = state[0]
        previous = (square - (1 - RMSPROP_ALPHA) * g * g) / RMSPROP_ALPHA
        move = -rate * g / (_root(square) + RMSPROP_EPS)
        values[f"square_avg_{name}"] = square
        return (f"s = α·s_prev + (1 − α)·g² = {RMSPROP_ALPHA:g}·{factor(previous)} + {1 - RMSPROP_ALPHA:.2g}·"
                f"{factor(g)}² = {n(square)};  Δ = −lr·g/(√s + ε) = {n(move)}"), move
    total = state[0]  # adagrad
    move = -rate * g / (_root(total) + ADAGRAD_EPS)
    values[f"sum_{name}"] = total
    return (f"G = G_prev + g² = {factor(total - g * g)} + {factor(g)}² = {n(total)};  "
            f"Δ = −lr·g/(√G + ε) = {n(move)}"), move


def _root(value: float) -> float:
    """√value, NaN for what has none (a diverged run's state), never an exception."""
    return math.sqrt(value) if value >= 0 else math.nan
