"""Menus, toolbar and shortcuts of the main window. Only wiring: each action calls a method of the object it
acts on (the file actions, the training actions, the exports, the points table), never the window's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QCheckBox, QDockWidget, QMainWindow

from engine.files.model_export import EXPORT_FORMATS
from gui.shell.exports import Exports
from gui.shell.file_actions import FileActions
from gui.shell.help_menu import HelpMenu
from gui.shell.training_actions import TrainingActions
from gui.views.points_table import PointsTableView


@dataclass
class MenuTargets:
    """What the menus act on."""

    files: FileActions
    training: TrainingActions
    exports: Exports
    undo_stack: QUndoStack
    table: PointsTableView
    delete_selection: Callable[[], None]
    clear_points: Callable[[], None]
    residuals_check: QCheckBox
    ghost_check: QCheckBox
    runs_dock: QDockWidget


class MainMenus:
    def __init__(self, window: QMainWindow, targets: MenuTargets) -> None:
        self.files = targets.files
        self.window = window  # the menu bar's and toolbar's host, and the owner of every shortcut
        bar = window.menuBar()
        files, training, exports, undo_stack = targets.files, targets.training, targets.exports, targets.undo_stack
        files.recentFilesChanged.connect(self.set_recent_files)

        file_menu = bar.addMenu("&File")
        self.new = self._action("&New", files.new_project, QKeySequence.StandardKey.New)
        self.open = self._action("&Open…", files.open_project_dialog, QKeySequence.StandardKey.Open)
        self.save = self._action("&Save", files.save_project, QKeySequence.StandardKey.Save)
        self.save_as = self._action("Save &As…", files.save_project_as, QKeySequence.StandardKey.SaveAs)
        self.import_csv = self._action("&Import CSV…", files.import_csv_dialog, "Ctrl+I")
        self.export_csv = self._action("&Export CSV…", exports.export_csv_dialog, "Ctrl+E")
        file_menu.addActions([self.new, self.open])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        file_menu.addActions([self.save, self.save_as])
        file_menu.addSeparator()
        file_menu.addActions([self.import_csv, self.export_csv])
        export_model = file_menu.addMenu("Export &model")
        export_model.setObjectName("exportModelMenu")
        self.export_model: dict[str, QAction] = {}
        for suffix, description in EXPORT_FORMATS.items():
            action = self._action(f"{suffix} — {description}", partial(exports.export_model_dialog, suffix))
            action.setObjectName(f"exportModel{suffix.strip('.').upper()}Action")
            export_model.addAction(action)
            self.export_model[suffix] = action
        export_model.addSeparator()
        self.export_script = self._action("Python script (.py) — repeats the run with plain torch…",
                                          exports.export_script_dialog)
        self.export_script.setObjectName("exportScriptAction")
        export_model.addAction(self.export_script)
        export_plot = file_menu.addMenu("Export &plot")
        export_plot.addAction(self._action("Data plot as PNG/SVG…", partial(exports.export_plot_dialog, "data")))
        export_plot.addAction(self._action("Loss landscape as PNG/SVG…",
                                           partial(exports.export_plot_dialog, "landscape")))
        export_plot.addAction(self._action("Loss plot as PNG/SVG…", partial(exports.export_plot_dialog, "loss")))
        export_plot.addSeparator()
        # Acted on (and enabled) by gui/shell/animation_export.py's AnimationExport, which the window builds with it.
        self.export_animation = QAction("Animation (GIF/MP4)…", window)
        self.export_animation.setObjectName("exportAnimationAction")
        self.export_animation.setToolTip("The selected run replayed step by step: data, landscape and loss side by "
                                         "side, as an animated GIF or an MP4 video")
        self.export_animation.setEnabled(False)
        export_plot.addAction(self.export_animation)
        self.export_runs = self._action("Export r&uns as CSV…", exports.export_runs_dialog)
        file_menu.addAction(self.export_runs)
        file_menu.addSeparator()
        self.quit = self._action("&Quit", window.close, QKeySequence.StandardKey.Quit)
        file_menu.addAction(self.quit)

        edit_menu = bar.addMenu("&Edit")
        self.undo = undo_stack.createUndoAction(window, "&Undo")
        self.undo.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo = undo_stack.createRedoAction(window, "&Redo")
        self.redo.setShortcut(QKeySequence.StandardKey.Redo)
        for action, short in ((self.undo, "Undo"), (self.redo, "Redo")):  # the toolbar's text never grows
            action.setIconText(short)  # ("Undo Paste 1,000 points" stays in the menu and the tooltip)
        self.add_point = self._action("&Add point", targets.table.add_row, "Ctrl+Shift+N")
        self.delete = self._action("&Delete", targets.delete_selection)
        self.clear = self._action("&Clear all points", targets.clear_points)
        self.generate = self._action("&Generate points…", files.generate_points_dialog, "Ctrl+G")
        edit_menu.addActions([self.undo, self.redo])
        edit_menu.addSeparator()
        edit_menu.addActions([self.add_point, self.delete, self.clear])
        edit_menu.addSeparator()
        edit_menu.addAction(self.generate)

        view_menu = bar.addMenu("&View")
        self.residuals = self._toggle("&Residuals", targets.residuals_check)
        self.ghost = self._toggle("&Exact least-squares line", targets.ghost_check)
        view_menu.addActions([self.residuals, self.ghost])
        view_menu.addSeparator()
        runs_toggle = targets.runs_dock.toggleViewAction()
        runs_toggle.setText("R&uns table")
        view_menu.addAction(runs_toggle)
        view_menu.addSeparator()
        # Checkable, and acted on by gui/shell/presentation.py's Presentation, which the window builds with it.
        self.presentation = QAction("&Presentation mode", window)
        self.presentation.setObjectName("presentationAction")
        self.presentation.setCheckable(True)
        self.presentation.setShortcuts([QKeySequence("F11"), QKeySequence("Ctrl+Shift+P")])
        self.presentation.setToolTip("Larger text and thicker lines for a projector, full screen (F11)")
        window.addAction(self.presentation)
        view_menu.addAction(self.presentation)
        self.theme_menu = view_menu.addMenu("&Theme")  # filled by gui/shell/theme.py's ThemeSwitcher
        self.theme_menu.setObjectName("themeMenu")

        train_menu = bar.addMenu("&Train")
        self.start = self._action("&Start", training.start_training, "Ctrl+Return")
        self.race = self._action("&Race optimizers", training.start_race, "Ctrl+Shift+Return")
        self.stop = self._action("S&top", training.stop_training, "Esc")
        self.step = self._action("Ste&p", training.step_once, "Ctrl+Right")
        self.step.setObjectName("stepAction")
        self.step.setToolTip("Take one optimizer step and stop; again continues the same run (Ctrl+Right)")
        self.continue_ = self._action("&Continue", training.continue_training, "Ctrl+Shift+Right")
        self.continue_.setObjectName("continueAction")
        self.continue_.setToolTip("Train the Epochs box's count more from where the last run ended "
                                  "(Ctrl+Shift+Right)")
        train_menu.addActions([self.start, self.race, self.stop])
        train_menu.addSeparator()
        train_menu.addActions([self.step, self.continue_])

        help_menu = bar.addMenu("&Help")
        self.help = HelpMenu(window, help_menu, {"start": self.start, "step": self.step,
                                                 "continue": self.continue_, "save": self.save})

        toolbar = window.addToolBar("Main")
        toolbar.setObjectName("mainToolBar")
        toolbar.addActions([self.new, self.open, self.save])
        toolbar.addSeparator()
        toolbar.addActions([self.undo, self.redo])
        toolbar.addSeparator()
        toolbar.addActions([self.start, self.step, self.continue_, self.stop])
        self._can_continue = False
        self._running = False
        self.set_running(False)

    def _action(self, text: str, slot, shortcut: QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def _toggle(self, text: str, check_box) -> QAction:
        """A checkable menu action that mirrors a check box beside the plot."""
        action = QAction(text, self.window)
        action.setCheckable(True)
        action.setChecked(check_box.isChecked())
        action.toggled.connect(check_box.setChecked)
        check_box.toggled.connect(action.setChecked)
        return action

    def set_running(self, running: bool) -> None:
        self.start.setEnabled(not running)
        self.race.setEnabled(not running)
        self.stop.setEnabled(running)
        self.step.setEnabled(not running)
        self.continue_.setEnabled(not running and self._can_continue)
        self._running = running
        for action in (self.new, self.open, self.recent_menu.menuAction()):
            action.setEnabled(not running)

    def set_can_continue(self, can: bool) -> None:
        """Whether a run has ended that Continue can pick up from."""
        self._can_continue = can
        self.continue_.setEnabled(can and not self._running)

    def set_recent_files(self, paths: list[str]) -> None:
        self.recent_menu.clear()
        for path in paths:
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(partial(self.files.open_project, Path(path)))
        self.recent_menu.setEnabled(bool(paths))

    def show_about(self) -> None:
        self.help.show_about()
