"""Why one optimizer step moved the line as it did: its arithmetic, spelled out with its own numbers.

The step details panel shows this for the step at the timeline position, up to 60 times a second. It is
built from what the engine recorded (a StepRecord) and five numbers of the data (Moments, computed once
per run), never from a pass over the points, so it costs the same at 4 points as at a million. The
gradient shown is the recorded one, the one the engine used; for a full batch the closed-form
recomputation in float64 stands beside it (they agree to float32 rounding). For a mini-batch the window
does not know which points the seeded shuffle put in the batch, and says so.

The optimizer's state before a step is derived from the state after it and the gradient (torch's update
run backwards), so the trace keeps one state per step, not two.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.analysis.least_squares import Moments
from engine.data.scaling import Standardizer
from engine.training.config import TrainingConfig
from engine.training.explanation_text import Explanation, Line, Section
from engine.training.optimizers import ADAM_BETAS, ADAM_EPS, OPTIMIZERS
from engine.training.parameter_explanation import explain_parameter_step
from engine.training.step_trace import StepRecord

Formatter = Callable[[float], str]
SHOWN_TERMS = 6  # a full batch of at most this many points shows every term of the gradient's sums
_STANDARDISED = ("This run trains on standardised x and y (x′ = (x − mean x)/sd x, likewise y): the parameters, "
                 "the gradient and the update below are in standardised units; the line y = w·x + b is also "
                 "shown in your units.")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def plain_number(value: float) -> str:
    """Six significant digits and a real minus sign (the window passes its own number formatter)."""
    return f"{value:.6g}".replace("-", "−")


@dataclass(frozen=True, eq=False)
class TrainedData:
    """What an explanation needs of a run's points, in the space it trained in: computed once per run."""

    moments: Moments  # of the trained-space points (standardised when the run standardises)
    scaler: Standardizer | None  # the run's feature scaling, or None
    x: np.ndarray  # the trained-space columns when there are at most SHOWN_TERMS points, else empty
    y: np.ndarray

    @property
    def n(self) -> int:
        return self.moments.n

    @classmethod
    def of_columns(cls, x: np.ndarray, y: np.ndarray, standardize: bool) -> TrainedData:
        """One pass over the columns; the scaler is the trainer's (population standard deviations, a
        constant column keeps scale 1)."""
        xs = np.asarray(x, dtype=np.float64).reshape(-1)
        ys = np.asarray(y, dtype=np.float64).reshape(-1)
        if xs.shape != ys.shape:
            raise ValueError(f"x has {xs.size} values but y has {ys.size}")
        moments = Moments.of_columns(xs, ys)
        scaler = None
        if standardize and moments.n:
            scaler = Standardizer(moments.mean_x, math.sqrt(moments.var_x) if moments.var_x > 0 else 1.0,
                                  moments.mean_y, math.sqrt(moments.var_y) if moments.var_y > 0 else 1.0)
            moments = moments.standardized()
        small_x, small_y = (xs, ys) if xs.size <= SHOWN_TERMS else (np.empty(0), np.empty(0))
        if scaler is not None and small_x.size:
            small_x = (small_x - scaler.mean_x) / scaler.scale_x
            small_y = (small_y - scaler.mean_y) / scaler.scale_y
        return cls(moments, scaler, small_x.copy(), small_y.copy())

    def to_trained(self, weight: float, bias: float) -> tuple[float, float]:
        """The user's-units line in the trained space (the inverse of Standardizer.to_original)."""
        if self.scaler is None:
            return weight, bias
        s = self.scaler
        return weight * s.scale_x / s.scale_y, (bias + weight * s.mean_x - s.mean_y) / s.scale_y


def closed_form_gradient(moments: Moments, weight: float, bias: float) -> tuple[float, float]:
    """∂L/∂w, ∂L/∂b of the full-batch MSE from centred moments (accurate where raw sums would cancel)."""
    offset = weight * moments.mean_x + bias - moments.mean_y  # the mean residual, Σr/N
    return 2.0 * (weight * moments.var_x - moments.cov_xy + moments.mean_x * offset), 2.0 * offset


def batches_per_epoch(n: int, batch_size: int | None) -> int:
    """ceil(N / batch): the trainer slices each epoch's shuffle into this many batches (1: full batch)."""
    return 1 if batch_size is None or batch_size >= n or n <= 0 else -(-n // batch_size)


def explain_step(record: StepRecord | None, config: TrainingConfig, data: TrainedData, *,
                 initial: tuple[float, float] | None = None, number: Formatter = plain_number) -> Explanation:
    """The step `record` (None: the start of the run, `initial` in the user's units) explained."""
    if not spelled_out(config):  # every parameter's arithmetic, without recomputing the gradient
        return explain_parameter_step(record, config, None, number=number)
    writer = _Writer(number)
    if record is None:
        return _explain_start(writer, config, data, initial)
    return _explain(writer, record, config, data)


SPELLED_OUT_OPTIMIZERS = ("sgd", "momentum", "adam")


def spelled_out(config: TrainingConfig) -> bool:
    """Whether a step's arithmetic can be spelled out: a line with MSE, no penalty and no held-out points (the
    data's five moments then give the gradient), trained with SGD, momentum or Adam."""
    return (config.degree == 1 and config.loss == "mse" and config.l2 == 0.0 and config.l1 == 0.0
            and config.validation_fraction == 0.0 and config.optimizer in SPELLED_OUT_OPTIMIZERS)


class _Writer:
    """Numbers as they appear inside formulas: negatives bracketed as factors, signs as operators."""

    def __init__(self, number: Formatter) -> None:
        self.n = number

    def factor(self, value: float) -> str:
        text = self.n(value)
        return f"({text})" if text.startswith(("−", "-")) else text

    def plus(self, value: float) -> str:
        """"+ 2" or "− 2": `value` written as a term added to what precedes it."""
        return f"− {self.n(-value)}" if value < 0 else f"+ {self.n(value)}"

    def minus(self, value: float) -> str:
        return f"+ {self.n(-value)}" if value < 0 else f"− {self.n(value)}"

    def pair(self, values: tuple[float, float]) -> str:
        return f"w {self.n(values[0])}, b {self.n(values[1])}"


# --- position 0 ----------------------------------------------------------------------------------------
def _explain_start(out: _Writer, config: TrainingConfig, data: TrainedData,
                   initial: tuple[float, float] | None) -> Explanation:
    origin = f"nn.Linear(1, 1)'s initial weight and bias after torch.manual_seed({config.seed})"
    if initial is None:
        start = Section("Start", (Line("", f"The run has not taken a step yet. It starts from {origin}; they "
                                       "appear here with its first step."),))
        return Explanation("Before the first step", (start,))
    trained = data.to_trained(*initial)
    lines = [Line("w, b", f"{out.pair(trained)}: {origin}")]
    if data.scaler is not None:
        lines.append(Line("in your units", _equation(out, initial) + " (the run trains on standardised x and y)"))
    values = {"weight": trained[0], "bias": trained[1]}
    preview = _first_step_preview(out, config, data, trained, values)
    return Explanation("Before the first step", (Section("Start", tuple(lines)),
                                                 Section("What Step does", preview)), values)


def _first_step_preview(out: _Writer, config: TrainingConfig, data: TrainedData, trained: tuple[float, float],
                        values: dict[str, float]) -> tuple[Line, ...]:
    batches = batches_per_epoch(data.n, config.batch_size)
    spec = OPTIMIZERS.get(config.optimizer)
    if data.n == 0:
        what = f"Step takes one optimizer step with {spec.label} (the run's points are not known here)."
    elif batches > 1:
        size = min(config.batch_size or data.n, data.n)
        what = (f"Step takes one optimizer step on the first mini-batch: {size:,} of the {data.n:,} points, "
                f"batch 1 of {batches:,} in epoch 1's seeded shuffle.")
    else:
        what = (f"Step takes one optimizer step: the gradient of the mean squared error over all "
                f"{data.n:,} points at these parameters, then {spec.label}'s update (one epoch).")
    lines = [Line("", what)]
    rate = config.learning_rate
    if batches == 1 and data.n:
        gradient = closed_form_gradient(data.moments, *trained)
        values.update(grad_w=gradient[0], grad_b=gradient[1])
        lines.append(Line("gradient here", f"∂L/∂w {out.n(gradient[0])}, ∂L/∂b {out.n(gradient[1])}"))
        if config.optimizer == "adam":  # m̂ = g and v̂ = g² at t = 1: every first step is about ±lr
            step = tuple(-rate * g / (math.sqrt(g * g) + ADAM_EPS) for g in gradient)
            rule = "−lr·g/(|g| + ε), about ±lr whatever the gradient"
        else:
            step = tuple(-rate * g for g in gradient)
            rule = "−lr·g (a momentum buffer starts as the first gradient)" if spec.uses_momentum else "−lr·g"
        values.update(step_w=step[0], step_b=step[1])
        lines.append(Line("first step", f"{rule}: Δw {out.n(step[0])}, Δb {out.n(step[1])}"))
    return tuple(lines)


# --- a step --------------------------------------------------------------------------------------------
def _explain(out: _Writer, record: StepRecord, config: TrainingConfig, data: TrainedData) -> Explanation:
    values: dict[str, float] = {"grad_w": record.gradient[0], "grad_b": record.gradient[1],
                                "learning_rate": record.learning_rate,
                                "delta_w": record.trained_after[0] - record.trained_before[0],
                                "delta_b": record.trained_after[1] - record.trained_before[1]}
    full = data.n > 0 and record.batch_size >= data.n
    batches = batches_per_epoch(data.n, config.batch_size)
    index = record.step - (record.epoch - 1) * batches
    title = f"Step {record.step:,} · epoch {record.epoch:,}"
    if full:
        batch = Line("", f"all {data.n:,} points (full batch: one step per epoch)")
    elif data.n == 0:
        batch = Line("", f"{record.batch_size:,} points (the run's points are not known here)")
    else:
        where = (f"batch {index:,} of {batches:,}" if batches > 1 and 1 <= index <= batches else "a mini-batch")
        title += f" · {where}, {record.batch_size:,} points"
        values.update(batch_index=float(index), batches=float(batches))
        batch = Line("", f"{where} of epoch {record.epoch:,}: {record.batch_size:,} of the "
                         f"{data.n:,} points, in the order of that epoch's seeded shuffle (seed {config.seed})")
    sections = [Section("Batch", (batch,))]
    if data.scaler is not None:
        sections.append(Section("Units", (Line("", _STANDARDISED),)))
    sections.append(Section("Before the step", _before_lines(out, record, data)))
    sections.append(Section("Gradient", _gradient_lines(out, record, data, full, values)))
    sections.append(_optimizer_section(out, record, config, values))
    sections.append(Section("After the step", _after_lines(out, record, data, values)))
    return Explanation(title, tuple(sections), values)


def _equation(out: _Writer, params: tuple[float, float]) -> str:
    return f"y = {out.n(params[0])}·x {out.plus(params[1])}"


def _before_lines(out: _Writer, record: StepRecord, data: TrainedData) -> tuple[Line, ...]:
    lines = [Line("w, b", out.pair(record.trained_before)),
             Line("loss", f"L = {out.n(record.loss)} (mean squared error over the batch, in your units)")]
    if data.scaler is not None:
        lines.append(Line("in your units", _equation(out, record.before)))
    return tuple(lines)


def _gradient_lines(out: _Writer, record: StepRecord, data: TrainedData, full: bool,
                    values: dict[str, float]) -> tuple[Line, ...]:
    size = "N" if full else "m"
    lines = [Line("formula", f"∂L/∂w = (2/{size})·Σ rᵢ·xᵢ,  ∂L/∂b = (2/{size})·Σ rᵢ,  with rᵢ = w·xᵢ + b − yᵢ"),
             Line("∂L/∂w", f"{out.n(record.gradient[0])} (what the engine used)"),
             Line("∂L/∂b", out.n(record.gradient[1]))]
    if not full:
        lines.append(Line("", f"Which {record.batch_size:,} points were in this batch is known only inside the "
                              "training process, so the gradient is the one the engine computed on them."))
        return tuple(lines)
    w, b = record.trained_before
    if data.x.size:
        lines.extend(_term_lines(out, data, w, b))
    else:
        lines.extend(_sum_lines(out, data.moments, w, b))
    gradient = closed_form_gradient(data.moments, w, b)
    scale = max(abs(gradient[0]), abs(gradient[1]), 1e-300)
    agreement = max(abs(record.gradient[0] - gradient[0]), abs(record.gradient[1] - gradient[1])) / scale
    values.update(closed_grad_w=gradient[0], closed_grad_b=gradient[1], gradient_agreement=agreement)
    lines.append(Line("recomputed", f"∂L/∂w {out.n(gradient[0])}, ∂L/∂b {out.n(gradient[1])} in float64, "
                                    f"closed form (relative difference {agreement:.1e})"))
    return tuple(lines)


def _term_lines(out: _Writer, data: TrainedData, w: float, b: float) -> list[Line]:
    """Every term of both sums: a handful of points reads best written out."""
    lines, residual_terms, weighted_terms = [], [], []
    for i, (x, y) in enumerate(zip(data.x.tolist(), data.y.tolist(), strict=True), start=1):
        sub = str(i).translate(_SUBSCRIPTS)
        residual = w * x + b - y
        lines.append(Line(f"point {i}", f"r{sub} = {out.factor(w)}·{out.factor(x)} {out.plus(b)} {out.minus(y)} "
                                        f"= {out.n(residual)};  r{sub}·x{sub} = {out.n(residual * x)}"))
        residual_terms.append(residual)
        weighted_terms.append(residual * x)
    n = len(residual_terms)
    for label, terms in (("Σ r·x", weighted_terms), ("Σ r", residual_terms)):
        total = sum(terms)
        written = " ".join([out.n(terms[0]), *(out.plus(term) for term in terms[1:])])
        lines.append(Line(label, f"{written} = {out.n(total)};  (2/{n})·{label} = {out.n(2.0 * total / n)}"))
    return lines


def _sum_lines(out: _Writer, m: Moments, w: float, b: float) -> list[Line]:
    """The two sums from the data's moments: O(1) at any number of points."""
    n = m.n
    sum_x, sum_y = n * m.mean_x, n * m.mean_y
    sum_xx, sum_xy = n * (m.var_x + m.mean_x * m.mean_x), n * (m.cov_xy + m.mean_x * m.mean_y)
    offset = w * m.mean_x + b - m.mean_y
    sum_r, sum_rx = n * offset, n * (w * m.var_x - m.cov_xy + m.mean_x * offset)
    return [Line("data", f"N = {n:,}, Σx = {out.n(sum_x)}, Σx² = {out.n(sum_xx)}, Σy = {out.n(sum_y)}, "
                         f"Σxy = {out.n(sum_xy)}"),
            Line("Σ r", f"w·Σx + b·N − Σy = {out.factor(w)}·{out.factor(sum_x)} {out.plus(b)}·{n:,} "
                        f"{out.minus(sum_y)} = {out.n(sum_r)}"),
            Line("Σ r·x", f"w·Σx² + b·Σx − Σxy = {out.factor(w)}·{out.factor(sum_xx)} {out.plus(b)}·"
                          f"{out.factor(sum_x)} {out.minus(sum_xy)} = {out.n(sum_rx)}")]


def _optimizer_section(out: _Writer, record: StepRecord, config: TrainingConfig,
                       values: dict[str, float]) -> Section:
    rate = record.learning_rate
    head = Line("learning rate", f"lr = {out.n(rate)}")
    if config.optimizer == "momentum":
        return Section("Optimizer: SGD with momentum", (head, *_momentum_lines(out, record, config.momentum,
                                                                               values)))
    if config.optimizer == "adam":
        return Section("Optimizer: Adam", (head, *_adam_lines(out, record, values)))
    g = record.gradient
    step = (-rate * g[0], -rate * g[1])
    values.update(step_w=step[0], step_b=step[1])
    return Section(f"Optimizer: {OPTIMIZERS.get(config.optimizer).label}", (
        head, Line("", "Plain gradient descent keeps no state: the step is −lr times the gradient."),
        Line("step", f"Δw = −lr·∂L/∂w = −{out.n(rate)}·{out.factor(g[0])} = {out.n(step[0])},  "
                     f"Δb = −{out.n(rate)}·{out.factor(g[1])} = {out.n(step[1])}")))


def _momentum_lines(out: _Writer, record: StepRecord, beta: float, values: dict[str, float]) -> list[Line]:
    g, v = record.gradient, record.state[:2]
    rate = record.learning_rate
    if record.step == 1 or beta == 0.0:
        previous = (0.0, 0.0)
        lines = [Line("velocity", f"v = g (the buffer starts as the first gradient): {out.pair((v[0], v[1]))}"
                      if record.step == 1 else f"v = g (β = 0): {out.pair((v[0], v[1]))}")]
    else:
        previous = ((v[0] - g[0]) / beta, (v[1] - g[1]) / beta)
        lines = [Line("velocity before", out.pair(previous)),
                 Line("velocity", f"v = β·v_prev + g, β = {out.n(beta)}:  "
                                  f"w {out.n(beta)}·{out.factor(previous[0])} {out.plus(g[0])} = {out.n(v[0])},  "
                                  f"b {out.n(beta)}·{out.factor(previous[1])} {out.plus(g[1])} = {out.n(v[1])}")]
    step = (-rate * v[0], -rate * v[1])
    values.update(velocity_prev_w=previous[0], velocity_prev_b=previous[1], velocity_w=v[0], velocity_b=v[1],
                  step_w=step[0], step_b=step[1])
    lines.append(Line("step", f"Δ = −lr·v:  Δw = −{out.n(rate)}·{out.factor(v[0])} = {out.n(step[0])},  "
                              f"Δb = −{out.n(rate)}·{out.factor(v[1])} = {out.n(step[1])}"))
    return lines


def _adam_lines(out: _Writer, record: StepRecord, values: dict[str, float]) -> list[Line]:
    beta1, beta2 = ADAM_BETAS
    t, rate, g = max(record.step, 1), record.learning_rate, record.gradient
    m, v = record.state[0:2], record.state[2:4]
    m_prev: tuple[float, ...] = (0.0, 0.0)
    v_prev: tuple[float, ...] = (0.0, 0.0)
    if t > 1:
        m_prev = tuple((m[i] - (1 - beta1) * g[i]) / beta1 for i in range(2))
        v_prev = tuple((v[i] - (1 - beta2) * g[i] * g[i]) / beta2 for i in range(2))
    correction1, correction2 = 1 - beta1**t, 1 - beta2**t
    m_hat = tuple(m[i] / correction1 for i in range(2))
    v_hat = tuple(v[i] / correction2 for i in range(2))
    step = tuple(-rate * m_hat[i] / (_root(v_hat[i]) + ADAM_EPS) for i in range(2))
    for i, name in enumerate("wb"):
        values.update({f"m_prev_{name}": m_prev[i], f"v_prev_{name}": v_prev[i], f"m_{name}": m[i],
                       f"v_{name}": v[i], f"m_hat_{name}": m_hat[i], f"v_hat_{name}": v_hat[i],
                       f"step_{name}": step[i]})
    lines = [Line("", f"t = {t:,}, β₁ = {beta1:g}, β₂ = {beta2:g}, ε = {out.n(ADAM_EPS)}"
                      + (" (m and v start at 0)" if t == 1 else ""))]
    for i, name in enumerate("wb"):
        lines += [
            Line(f"m for {name}", f"β₁·m_prev + (1 − β₁)·g = {beta1:g}·{out.factor(m_prev[i])} + "
                                  f"{1 - beta1:.2g}·{out.factor(g[i])} = {out.n(m[i])}"),
            Line(f"v for {name}", f"β₂·v_prev + (1 − β₂)·g² = {beta2:g}·{out.factor(v_prev[i])} + "
                                  f"{1 - beta2:.2g}·{out.factor(g[i])}² = {out.n(v[i])}"),
            Line(f"m̂, v̂ for {name}", f"m/(1 − β₁^t) = {out.factor(m[i])}/{out.n(correction1)} = {out.n(m_hat[i])},  "
                                     f"v/(1 − β₂^t) = {out.factor(v[i])}/{out.n(correction2)} = {out.n(v_hat[i])}"),
            Line(f"step for {name}", f"−lr·m̂/(√v̂ + ε) = −{out.n(rate)}·{out.factor(m_hat[i])}/"
                                     f"({out.n(_root(v_hat[i]))} + {out.n(ADAM_EPS)}) = {out.n(step[i])}")]
    return lines


def _root(value: float) -> float:
    """√value, NaN for what has none (a diverged run's state), never an exception."""
    return math.sqrt(value) if value >= 0 else math.nan


def _after_lines(out: _Writer, record: StepRecord, data: TrainedData, values: dict[str, float]) -> tuple[Line, ...]:
    lines = [Line("update", f"Δw = w after − w before = {out.n(values['delta_w'])},  "
                            f"Δb = {out.n(values['delta_b'])}")]
    steps = (values.get("step_w"), values.get("step_b"))
    deltas = (values["delta_w"], values["delta_b"])
    if all(step is not None for step in steps) and any(
            step != delta for step, delta in zip(steps, deltas, strict=True)):
        lines.append(Line("", "w and b are stored as float32, so Δ can differ from the step above in its last "
                              "digits: that is rounding, not a different update."))
    lines.append(Line("w, b", out.pair(record.trained_after)))
    if data.scaler is not None:
        lines.append(Line("in your units", f"{_equation(out, record.before)}  →  {_equation(out, record.after)}"))
    return tuple(lines)
