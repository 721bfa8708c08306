"""The Result box of the training panel: the fitted line, R², the run's weight, bias, loss and speed, and
the gap to the exact least-squares answer. Every label keeps a fixed number of lines, so a figure that
wraps differently never moves the box or what is around it."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QVBoxLayout, QWidget

from engine.analysis.least_squares import LeastSquaresFit, Moments, r_squared
from engine.training.results import TrainingResult
from gui.kit import number_format as fmt
from gui.kit.fixed_lines import FixedLinesLabel
from gui.kit.widget_names import named
from gui.views.polynomial_items import evaluate

NO_LINE = "y = w·x + b"
NO_R_SQUARED = "R² = –"
NOT_TRAINED = "Not trained yet."


class ResultBox(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Result", parent)
        self.setObjectName("resultBox")
        # Room for both lines from the start: a live equation that flips between one line and two would
        # re-lay out the window on every flip. A long line breaks before its bias (see _equation).
        self.equation_label = named(FixedLinesLabel(NO_LINE, 2), "equationLabel", "The fitted line")
        font = self.equation_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.equation_label.setFont(font)
        self.r_squared_label = named(FixedLinesLabel(NO_R_SQUARED, 1), "rSquaredLabel",
                                     "R²: the share of the variance of y that the line explains (1 is a perfect fit)")
        self.result_label = named(FixedLinesLabel(NOT_TRAINED, 4), "resultLabel", "Weight, bias and final loss")
        self.gap_label = named(FixedLinesLabel("", 3), "gapLabel", "How far the trained line is from the exact "
                               "least-squares line (the dashed ghost in the data plot, the star in the landscape)")
        self._line_font = font
        self._polynomial_font = self.equation_label.font()
        self._polynomial_font.setPointSizeF(self._line_font.pointSizeF() / 1.3)
        layout = QVBoxLayout(self)
        for label in (self.equation_label, self.r_squared_label, self.result_label, self.gap_label):
            if label is not self.r_squared_label:
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(label)

    def show_line(self, weight: float, bias: float, moments: Moments, optimum: LeastSquaresFit | None) -> None:
        """The equation, R² and the gap to the exact answer for the line now drawn."""
        self.equation_label.setText(_equation(weight, bias))
        self.equation_label.setToolTip("The fitted line")
        finite = math.isfinite(weight) and math.isfinite(bias)
        r2 = r_squared(moments, weight, bias) if finite else math.nan
        self.r_squared_label.setText(f"R² = {fmt.r_squared(r2)}" if math.isfinite(r2) else NO_R_SQUARED)
        if optimum is None or not finite:
            self.gap_label.setText("")
            return
        loss = float(moments.loss(weight, bias))
        self.gap_label.setText(
            f"Exact: {fmt.equation(optimum.weight, optimum.bias)}\n"
            f"{unbroken(f'|w − w*| = {fmt.gap(abs(weight - optimum.weight))}')},  "
            f"{unbroken(f'|b − b*| = {fmt.gap(abs(bias - optimum.bias))}')}\n"
            f"{unbroken(f'loss − loss* = {fmt.gap(max(loss - optimum.loss, 0.0))}')}  "
            f"{unbroken(f'(loss* = {fmt.gap(optimum.loss)})')}")

    def set_degree(self, degree: int) -> None:
        """Room for the model the settings train: a line in large type on two lines, a polynomial in plain
        type on up to four (set when the degree changes, never while a run updates the text)."""
        lines, font = (2, self._line_font) if degree <= 2 else (4, self._polynomial_font)
        if lines != self.equation_label.lines or self.equation_label.font() != font:
            self.equation_label.lines = lines
            self.equation_label.setFont(font)
            self.equation_label._reserve()

    def show_polynomial(self, coefficients: tuple[float, ...], x: np.ndarray, y: np.ndarray,
                        exact: tuple[float, ...] | None) -> None:
        """The polynomial's equation, its R² over the points and how far its coefficients are from the exact
        optimum's (the dashed ghost curve), where there is one."""
        self.equation_label.setText(" ".join(unbroken(term) for term in fmt.polynomial_terms(coefficients)))
        self.equation_label.setToolTip("The fitted polynomial: " + " ".join(fmt.polynomial_terms(coefficients, 8)))
        finite = all(math.isfinite(value) for value in coefficients)
        r2 = math.nan
        if finite and x.size > 1:
            with np.errstate(over="ignore", invalid="ignore"):
                residual = float(np.sum((evaluate(coefficients, x) - y) ** 2))
                spread = float(np.sum((y - y.mean()) ** 2))
            r2 = 1.0 - residual / spread if spread > 0 else math.nan
        self.r_squared_label.setText(f"R² = {fmt.r_squared(r2)}" if math.isfinite(r2) else NO_R_SQUARED)
        if exact is None or not finite or len(exact) != len(coefficients):
            self.gap_label.setText("" if not finite else "No exact optimum to compare: these settings have no "
                                   "closed form, or fewer training points than coefficients.")
            return
        gap = max(abs(a - b) for a, b in zip(coefficients, exact, strict=True))
        self.gap_label.setText(f"Exact optimum: the dashed curve\n"
                               f"{unbroken(f'largest |cₖ − cₖ*| = {fmt.gap(gap)}')}")

    def show_result(self, result: TrainingResult, how: str) -> None:
        """The run's figures (the line itself comes from show_line)."""
        rate = result.epochs_run / result.elapsed_s if result.elapsed_s > 0 else math.inf
        epochs = result.epochs_run
        elapsed = result.elapsed_s
        seconds = f"{elapsed:.2f} s" if math.isfinite(elapsed) else f"{fmt.number(elapsed)} s"
        if result.stop_reason == "diverged":  # the trainer's message names the same two epochs
            loss_line = f"last finite loss = {fmt.number(result.final_loss)}"
            shown = unbroken(f"shown: epoch {epochs:,}" if epochs else "shown: the starting line")
            ran = f"Diverged at epoch {epochs + 1:,} ({seconds}); {shown}"
        else:
            loss_line = f"final loss = {fmt.number(result.final_loss)}"
            ran = f"{how}: {epochs:,} {'epoch' if epochs == 1 else 'epochs'} in {seconds}"
        weight, bias = (unbroken(f"{name} = {fmt.number(value)}") for name, value in
                        (("w", result.weight), ("b", result.bias)))
        lines = [f"{weight},  {bias}"] if len(result.coefficients) <= 2 else []
        lines.append(loss_line)
        if result.validation_loss is not None:  # the line's w and b are in the equation above already
            lines = [loss_line, f"validation loss = {fmt.number(result.validation_loss)}"]
        self.result_label.setText("\n".join([*lines, ran, f"{fmt.count(rate)} steps/s on {result.device}, "
                                                        f"{result.path} path"]))

    def clear_line(self) -> None:
        self.equation_label.setText(NO_LINE)
        self.equation_label.setToolTip("The fitted line")
        self.r_squared_label.setText(NO_R_SQUARED)
        self.gap_label.setText("")


def _equation(weight: float, bias: float) -> str:
    """The line, breakable only between "y = w·x" and "± b": a narrow panel wraps it there, never mid-number."""
    return " ".join(unbroken(term) for term in fmt.equation_terms(weight, bias))


def unbroken(text: str) -> str:
    """`text` with no-break spaces: a wrapping label keeps "b = −7.6e+18" on one line."""
    return text.replace(" ", "\u00a0")
