"""The File ▸ Export ▸ Animation dialog: where to, how many frames, how big, how long.

The format comes from the name the person gives (.gif or .mp4): anything else is refused, never
completed with an extension of our choosing, so no file the person did not name is ever replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from engine.errors import ExportError
from engine.files.animation_file import (
    MAX_DURATION_S,
    MAX_FRAMES,
    MAX_SIDE,
    MIN_DURATION_S,
    MIN_FRAMES,
    MIN_SIDE,
    AnimationSpec,
    animation_kind,
)
from gui.kit.widget_names import named

FILE_FILTER = "Animated GIF (*.gif);;MP4 video, H.264 (*.mp4)"


class AnimationDialog(QDialog):
    def __init__(self, parent: QWidget | None, run_label: str, positions: int,
                 suggested_path: str, confirm_replace: Callable[[Path], bool] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("animationDialog")
        self.setWindowTitle("Export animation")
        self._confirmed: Path | None = None  # a name the file dialog already asked about replacing
        self.confirm_replace = confirm_replace or self._ask_replace
        self.path_edit = named(QLineEdit(suggested_path), "animationPathEdit",
                               "Where to save: a name ending in .gif (animated GIF) or .mp4 (H.264 video)")
        browse = named(QPushButton("Browse…"), "animationBrowseButton", "Choose the file")
        browse.clicked.connect(self._browse)
        self.frames = self._spin("animationFramesSpin", MIN_FRAMES, MAX_FRAMES, 300, "Frames in the animation")
        self.width_spin = self._spin("animationWidthSpin", MIN_SIDE, MAX_SIDE, 960, "Width in pixels (even for MP4)")
        self.height_spin = self._spin("animationHeightSpin", MIN_SIDE, MAX_SIDE, 540,
                                      "Height in pixels (even for MP4)")
        self.duration = named(QDoubleSpinBox(), "animationDurationSpin", "How long the animation plays")
        self.duration.setRange(MIN_DURATION_S, MAX_DURATION_S)
        self.duration.setDecimals(1)
        self.duration.setSuffix(" s")
        self.duration.setValue(10.0)
        self.info = named(QLabel(), "animationInfoLabel", "What the animation shows")
        self.info.setWordWrap(True)
        self.error = named(QLabel(), "animationErrorLabel", "Why the settings cannot be used")
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        self.error.hide()
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        size_row = QHBoxLayout()
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.info)
        form.addRow("File", path_row)
        form.addRow("Frames", self.frames)
        form.addRow("Size", size_row)
        form.addRow("Duration", self.duration)
        form.addRow(self.error)
        form.addRow(buttons)
        self._run_label, self._positions = run_label, positions
        for spin in (self.frames, self.duration):
            spin.valueChanged.connect(self._describe)
        self._describe()

    def _spin(self, name: str, low: int, high: int, value: int, tooltip: str) -> QSpinBox:
        spin = named(QSpinBox(), name, tooltip)
        spin.setRange(low, high)
        spin.setValue(value)
        return spin

    def _describe(self) -> None:
        frames, seconds = self.frames.value(), self.duration.value()
        self.info.setText(f"{self._run_label}: {self._positions - 1:,} steps kept, shown in {frames:,} frames "
                          f"over {seconds:g} s ({frames / seconds:.3g} frames per second).")

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export animation", self.path_edit.text(), FILE_FILTER)
        if path:
            self.path_edit.setText(path)
            self._confirmed = Path(path)

    def request(self) -> tuple[Path, AnimationSpec]:
        """The path and settings asked for; ExportError names what is wrong."""
        text = self.path_edit.text().strip()
        if not text:
            raise ExportError("Choose a file name ending in .gif or .mp4.")
        path = Path(text).expanduser()
        spec = AnimationSpec(animation_kind(path), self.frames.value(), self.width_spin.value(),
                             self.height_spin.value(), round(self.duration.value(), 1))
        spec.validate()
        if path.is_dir():
            raise ExportError(f"{path} is a folder: add a file name ending in .gif or .mp4")
        return path, spec

    def accept(self) -> None:
        try:
            path, _spec = self.request()
        except ExportError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        if path.exists() and path != self._confirmed and not self.confirm_replace(path):
            return
        super().accept()

    def _ask_replace(self, path: Path) -> bool:
        answer = QMessageBox.question(self, "Replace file?", f"{path} exists. Replace it when the animation is "
                                      "complete? (It stays as it is if the export is cancelled or fails.)")
        return answer == QMessageBox.StandardButton.Yes
