"""Train ▸ Start, Race, Step, Continue and Stop as the user meets them: the panel's settings checked, a
question before a learning rate that will diverge, an offer of one that converges after a run diverged,
and the pace passed on as it changes."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QWidget

from engine.analysis.least_squares import suggest_learning_rate
from engine.data.points import PointSet
from engine.errors import ConfigError, DataError
from engine.training.config import TrainingConfig
from engine.training.results import TrainingResult
from gui.session.app_settings import AppSettings
from gui.session.points_model import PointsTableModel
from gui.session.training_session import TrainingSession
from gui.shell.notices import Notices
from gui.views.training_panel import TrainingPanel


class TrainingActions(QObject):
    def __init__(self, parent: QWidget, session: TrainingSession, points: PointsTableModel, panel: TrainingPanel,
                 settings: AppSettings, notices: Notices) -> None:
        super().__init__(parent)
        self.parent_widget = parent
        self.session = session
        self.points = points
        self.panel = panel
        self.settings = settings
        self.notices = notices
        session.diverged.connect(self.offer_stable_rate)

    def start_training(self) -> bool:
        """Train once with the panel's settings; False when nothing started (a message says why)."""
        prepared = self._prepare()
        if prepared is None:
            return False
        points, config = prepared
        stable = self.panel.stable_learning_rate()
        if stable is not None and config.learning_rate > stable:
            answer = self.ask_about_learning_rate(config.learning_rate, stable)
            if answer is None:
                return False
            if answer != config.learning_rate:
                self.panel.learning_rate_spin.setValue(answer)
                config = self.panel.config()
        return self.session.train(points, config)

    def start_race(self) -> bool:
        """Train every optimizer in lockstep on the same points, seed and settings."""
        prepared = self._prepare()
        return prepared is not None and self.session.race(*prepared)

    def step_once(self) -> bool:
        """One optimizer step: of the current run when it can go on with the panel's points and settings,
        else of a new run."""
        prepared = self._prepare()
        return prepared is not None and self.session.step(*prepared)

    def continue_training(self) -> bool:
        """The Epochs box's count more epochs of the current run (or race), from where it ended."""
        if self.session.is_running():
            return False
        if not self.session.can_continue():
            self.notices.show_status("Nothing to continue: train a run first (a diverged run, or one from an "
                                     "opened file, cannot go on).")
            return False
        try:
            config = self.panel.config()
        except ConfigError as error:
            self.notices.show_error("Cannot continue", str(error))
            return False
        if not self.session.can_go_on(self.points.snapshot(), config):
            self.notices.show_status("The points or settings changed since that run: Continue goes on with the "
                                     "run as it was. Press Train (or Step) for a run with the new ones.")
            return False
        return self.session.continue_training(config.epochs)

    def set_pace(self, steps_per_second: float) -> None:
        """A new pace: the run under way follows it at once; the next window starts with it."""
        self.session.set_pace(steps_per_second)
        self.settings.save_pace(steps_per_second)

    def stop_training(self) -> None:
        self.session.stop()

    def ask_about_learning_rate(self, rate: float, stable: float) -> float | None:
        """Before a run that will diverge: the rate to use (the user's, or a stable one), or None to cancel."""
        suggestion = suggest_learning_rate(stable)
        box = QMessageBox(QMessageBox.Icon.Warning, "Learning rate too large",
                          f"For these points plain gradient descent is stable only below a learning rate of "
                          f"{stable:.4g}. With {rate:g} every step overshoots the minimum and the loss will grow "
                          "until it overflows.", QMessageBox.StandardButton.Cancel, self.parent_widget)
        use = box.addButton(f"Use {suggestion:g}", QMessageBox.ButtonRole.AcceptRole)
        anyway = box.addButton("Train anyway", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(use)
        box.exec()
        if box.clickedButton() is use:
            return suggestion
        return rate if box.clickedButton() is anyway else None

    def offer_stable_rate(self, result: TrainingResult) -> None:
        """Divergence: say why in words and offer a rate that converges (non-blocking: the window stays live)."""
        box = self.notices.show_error("Training diverged", result.message)
        suggestion = result.suggested_learning_rate
        if suggestion is None:
            return
        use = box.addButton(f"Use learning rate {suggestion:g}", QMessageBox.ButtonRole.AcceptRole)
        use.setObjectName("useStableRateButton")
        use.clicked.connect(lambda: self.panel.learning_rate_spin.setValue(suggestion))

    def _prepare(self) -> tuple[PointSet, TrainingConfig] | None:
        """The points and settings for a new run, or None (already training, or a message said why not)."""
        if self.session.is_running():
            return None
        try:
            config = self.panel.config()
        except ConfigError as error:
            self.notices.show_error("Cannot train", str(error))
            return None
        points = self.points.snapshot()
        try:
            points.validate()
        except DataError as error:
            self.notices.show_error("Cannot train on these points", str(error))
            return None
        self.settings.save_training_config(config)
        return points, config
