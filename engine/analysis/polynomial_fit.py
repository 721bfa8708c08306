"""The exact answer and the largest stable learning rate for a polynomial of any degree (MSE).

With A = [X, 1] (X the columns x, x², …, x^D), the penalised MSE (1/m)·‖Aθ − y‖² + l2·‖w‖² is a quadratic
in θ = (w, b). Its minimum solves (AᵀA + m·l2·P)θ = Aᵀy, P = diag(1, …, 1, 0) (ridge on the weights only,
never the bias), found here as the least-squares solution of the stacked system [A; √(m·l2)·P]θ ≈ [y; 0],
which avoids squaring the condition number. Its Hessian H = (2/m)·AᵀA + 2·l2·P is constant, so plain
gradient descent converges exactly when lr < 2/λmax(H).
"""

from __future__ import annotations

import math

import numpy as np

from engine.data.features import feature_matrix


def design_matrix(features: np.ndarray) -> np.ndarray:
    """[X, 1]: the features and a column of ones for the bias."""
    return np.column_stack([features, np.ones(features.shape[0])])


def exact_optimum(x: np.ndarray, y: np.ndarray, degree: int, l2: float = 0.0) -> np.ndarray | None:
    """The coefficients (constant term first) of the polynomial of least penalised MSE, or None where no
    single one is best (no points, or without L2 fewer distinct x than coefficients)."""
    features = feature_matrix(x, degree)
    count = features.shape[0]
    if count == 0:
        return None
    design = design_matrix(features)
    targets = np.asarray(y, dtype=np.float64)
    if l2 > 0.0:
        penalty = np.sqrt(count * l2) * np.eye(degree + 1)[:degree]
        design = np.vstack([design, penalty])
        targets = np.concatenate([targets, np.zeros(degree)])
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(design).all():
            return None
        solution, _, rank, _ = np.linalg.lstsq(design, targets, rcond=None)
    if rank < degree + 1:
        return None
    return np.concatenate([[solution[-1]], solution[:-1]])


def hessian(features: np.ndarray, l2: float = 0.0) -> np.ndarray:
    """(2/m)·AᵀA + 2·l2·P for the features a run trains on."""
    design = design_matrix(np.asarray(features, dtype=np.float64))
    matrix = (2.0 / max(design.shape[0], 1)) * (design.T @ design)
    matrix[:-1, :-1] += 2.0 * l2 * np.eye(design.shape[1] - 1)
    return matrix


def largest_stable_rate(features: np.ndarray, l2: float = 0.0) -> float | None:
    """2/λmax of the penalised MSE's Hessian over `features` (the trained ones: standardised when the run
    standardises); None without points or when λmax is not a finite positive number."""
    if features.shape[0] == 0:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        matrix = hessian(features, l2)
        if not np.isfinite(matrix).all():
            return None
        largest = float(np.linalg.eigvalsh(matrix)[-1])
    return 2.0 / largest if 0.0 < largest < math.inf else None


def mse(coefficients: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The mean squared error of the polynomial (constant term first) over the points."""
    predicted = np.polynomial.polynomial.polyval(np.asarray(x, dtype=np.float64), coefficients)
    return float(np.mean((predicted - np.asarray(y, dtype=np.float64)) ** 2))
