"""The main window's arrangement: the points table on the left, the data plot and the landscape above
the loss plot (the step details beside it) and the timeline in the middle, the training panel on the
right (scrolling on small screens), the Runs table docked below. Only placement: the window wires the parts together."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.kit.focus_frame import show_focus_frame
from gui.kit.widget_names import named
from gui.shell.focus_order import FocusInView, apply_tab_order
from gui.views.data_plot import DataPlotWidget
from gui.views.landscape_plot import LandscapeWidget
from gui.views.loss_plot import LossPlotWidget
from gui.views.points_table import PointsTableView
from gui.views.runs_table import RunsPanel
from gui.views.timeline_bar import TimelineBar
from gui.views.training_panel import TrainingPanel


@dataclass
class Views:
    table: PointsTableView
    data_plot: DataPlotWidget
    landscape: LandscapeWidget
    loss_plot: LossPlotWidget
    panel: TrainingPanel
    runs_panel: RunsPanel
    timeline: TimelineBar
    step_details: QWidget | None = None  # beside the loss plot, when the step details view exists


@dataclass
class Layout:
    splitter: QSplitter
    runs_dock: QDockWidget
    residuals_check: QCheckBox
    ghost_check: QCheckBox


def arrange(window: QMainWindow, views: Views) -> Layout:
    left = _points_column(views.table)
    residuals = named(QCheckBox("Residuals"), "residualsCheck", "Draw each point's vertical distance to the "
                      "fitted line (up to 5,000 points)", "Residuals")
    residuals.toggled.connect(views.data_plot.set_show_residuals)
    ghost = named(QCheckBox("Exact least-squares line"), "ghostLineCheck", "Draw the closed-form least-squares "
                  "line, dashed, beside the trained one", "Exact least-squares line")
    ghost.setChecked(True)
    ghost.toggled.connect(views.data_plot.set_show_ghost)
    data_controls = QHBoxLayout()
    data_controls.addWidget(residuals)
    data_controls.addWidget(ghost)
    data_controls.addStretch(1)
    data_box = QWidget()
    data_layout = QVBoxLayout(data_box)
    data_layout.setContentsMargins(0, 0, 0, 0)
    data_layout.addLayout(data_controls)
    data_layout.addWidget(views.data_plot)

    plots_row = _splitter(Qt.Orientation.Horizontal, "viewsSplitter", [data_box, views.landscape], [460, 380])
    loss_row: QWidget = views.loss_plot
    if views.step_details is not None:
        loss_row = _splitter(Qt.Orientation.Horizontal, "lossRowSplitter", [views.loss_plot, views.step_details],
                             [520, 340])
    plots = _splitter(Qt.Orientation.Vertical, "plotsSplitter", [plots_row, loss_row], [470, 300])
    centre = QWidget()  # the timeline sits under the plots it drives, always visible
    centre_layout = QVBoxLayout(centre)
    centre_layout.setContentsMargins(0, 0, 0, 0)
    centre_layout.setSpacing(2)
    centre_layout.addWidget(plots, 1)
    centre_layout.addWidget(views.timeline)
    panel_scroll = QScrollArea()  # on a small screen the panel scrolls instead of forcing a tall window
    panel_scroll.setObjectName("trainingPanelScroll")
    # A click on the panel's buttons must leave the focus where it was (Step keeps Ctrl+Right working), and
    # Tab goes to the panel's controls: the scroll area itself never takes the focus.
    panel_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    panel_scroll.setWidget(views.panel)
    panel_scroll.setWidgetResizable(True)
    panel_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    panel_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    splitter = _splitter(Qt.Orientation.Horizontal, "mainSplitter", [left, centre, panel_scroll], [210, 860, 300])
    splitter.setStretchFactor(1, 1)
    window.setCentralWidget(splitter)

    runs_dock = QDockWidget("Runs", window)
    runs_dock.setObjectName("runsDock")
    runs_dock.setWidget(views.runs_panel)
    runs_dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                          | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, runs_dock)
    window.resizeDocks([runs_dock], [130], Qt.Orientation.Vertical)
    for plot in (views.data_plot, views.landscape.plot, views.landscape.slice.plot, views.loss_plot.plot):
        show_focus_frame(plot)
    apply_tab_order(window)
    FocusInView([panel_scroll, views.panel.settings_scroll], window)
    return Layout(splitter, runs_dock, residuals, ghost)


def _points_column(table: PointsTableView) -> QWidget:
    add_button = named(QPushButton("Add point"), "addPointButton", "Add a row after the current one (Insert)",
                       "Add point")
    add_button.clicked.connect(table.add_row)
    delete_button = named(QPushButton("Delete"), "deletePointsButton", "Delete the selected rows (Delete)",
                          "Delete points")
    delete_button.clicked.connect(table.delete_selected)
    buttons = QHBoxLayout()
    buttons.addWidget(add_button)
    buttons.addWidget(delete_button)
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(table)
    layout.addLayout(buttons)
    return column


def _splitter(orientation: Qt.Orientation, name: str, widgets: list[QWidget], sizes: list[int]) -> QSplitter:
    splitter = QSplitter(orientation)
    splitter.setObjectName(name)
    for widget in widgets:
        splitter.addWidget(widget)
    splitter.setSizes(sizes)
    return splitter
