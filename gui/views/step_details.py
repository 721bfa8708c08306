"""The step details panel: the arithmetic of the step at the timeline position, as text a person reads
and can select and copy.

It is asked for a new step up to 60 times a second while a run plays, so everything that costs a pass over
the points (the moments, the scaler) is computed once per run and cached by the Run object, and showing the
same step again does nothing. While the timeline ticks (a live run followed, a replay) the text follows at
most every TICKING_INTERVAL_S, every other frame: nobody reads numbers that change 60 times a second, and
the text cost more of a frame than any plot (explaining, replacing and painting ~30 lines, ~2 ms). While a
race plays (three runs drawn in every frame) every third frame (RACE_TICKING_INTERVAL_S). The newest step is
always shown within FLUSH_MS, and every plot still moves every frame. A ticking step is explained once the
frame's plots have painted (a zero timer): explained in the frame timer's tick, it made every third frame of
a race start painting ~1.5 ms later than the others, and the frame intervals uneven.

It is a QPlainTextEdit, not a QTextBrowser: a QTextEdit lays out its whole document on
every change (5-20 ms for this page as HTML tables, about 2 ms as plain text), a QPlainTextEdit only the
lines in view (about 1 ms); the headings are made bold in place.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QFont, QShowEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QPlainTextDocumentLayout, QPlainTextEdit, QWidget

from engine.data.points import PointSet
from engine.training.config import TrainingConfig
from engine.training.explanation_text import Explanation, Line, Section
from engine.training.parameter_explanation import TrainedColumns, explain_parameter_step
from engine.training.step_explanation import TrainedData, explain_step, spelled_out
from gui.kit import number_format as fmt
from gui.kit.widget_names import named
from gui.session.run_history import Run

TICKING_INTERVAL_S = 0.03  # at 60 frames a second: every other frame; at 30 or fewer: every frame
RACE_TICKING_INTERVAL_S = 0.045  # at 60 frames a second: every third frame (20 a second)
FLUSH_MS = 40  # a step held back while ticking is shown this long after the ticks stop
_clock = time.monotonic  # seconds (tests step it by hand)
_CachedData = tuple[PointSet | None, bool, TrainedData]  # the points and scaling it was computed from
_CachedColumns = tuple[PointSet | None, TrainingConfig, TrainedColumns]
NO_RUN = Explanation("No run selected", (Section("", (Line(
    "", "Train, or pick a run in the Runs table, to see here what each step computed and why."),)),))


class StepDetailsView(QPlainTextEdit):
    """Read-only, selectable text: `show_step(run, position)` shows that run's step at a timeline position."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, "stepDetails", "What the step at the timeline position computed: the batch, the gradient "
              "with its numbers, the optimizer's state, the update. Select text to copy it.",
              accessible_name="Step details")
        self.setReadOnly(True)
        self.setTabChangesFocus(True)  # Tab goes on to the next control; the text has nothing to type
        self.setUndoRedoEnabled(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self._data: weakref.WeakKeyDictionary[Run, _CachedData] = weakref.WeakKeyDictionary()
        self._columns: weakref.WeakKeyDictionary[Run, _CachedColumns] = weakref.WeakKeyDictionary()
        self._shown: tuple[Any, ...] | None = None
        self._hidden_request: tuple[Run | None, int] | None = None
        self._held_request: tuple[Run | None, int] | None = None  # held back while ticking, shown soon
        self._shown_at = 0.0
        self.ticking_interval_s = TICKING_INTERVAL_S  # RACE_TICKING_INTERVAL_S while a race plays
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self._flush_held)
        self._after_paints = QTimer(self)  # interval 0: runs once the events queued before it are handled
        self._after_paints.setSingleShot(True)
        self._after_paints.setInterval(0)
        self._after_paints.timeout.connect(self._show_due_step)
        self._unrendered = False  # explained while hidden, not yet put in the text
        self._explanation = NO_RUN
        self._heading = QTextCharFormat()
        self._heading.setFontWeight(QFont.Weight.Bold)
        self._plain = QTextCharFormat()
        self._lines: list[str] = []  # the text shown, line by line
        self._headings: frozenset[int] = frozenset()  # which of those lines are bold
        self._render()

    @property
    def explanation(self) -> Explanation:
        """The explanation of the newest step asked for (one held back while ticking is shown first)."""
        self._flush_held()
        self._flush_hidden()
        return self._explanation

    def plain_text(self) -> str:
        """What the panel shows, as plain text (for the clipboard and for tests)."""
        return self.explanation.plain_text()

    def show_step(self, run: Run | None, position: int, *, ticking: bool = False) -> None:
        """Show `run`'s step at timeline `position` (clamped to the trace); None shows the empty state.
        While the panel is hidden (presentation mode, a collapsed splitter) only the request is kept.
        `ticking`: one of a frame's worth of moves, shown at most every `ticking_interval_s` (the newest
        always, within FLUSH_MS)."""
        if not self.isVisible():
            self._held_request = None
            self._hidden_request = (run, position)
            return
        self._hidden_request = None
        if ticking:
            self._held_request = (run, position)
            if _clock() - self._shown_at < self.ticking_interval_s:
                self._flush_timer.start(FLUSH_MS)
            else:  # due: shown after this frame's paints
                self._shown_at = _clock()
                self._flush_timer.stop()
                self._after_paints.start()
            return
        self._held_request = None
        self._flush_timer.stop()
        self._after_paints.stop()
        self._shown_at = _clock()
        if self._explain(run, position) or self._unrendered:
            self._render()

    def _show_due_step(self) -> None:
        """The ticking step that was due, now that the frame's plots have painted (its time is when it was
        asked for: the text keeps its every-other-frame rhythm)."""
        request, self._held_request = self._held_request, None
        if request is None:
            return
        if not self.isVisible():
            self._hidden_request = request
        elif self._explain(*request) or self._unrendered:
            self._render()

    def _flush_held(self) -> None:
        """The step held back while ticking, shown now (the ticks stopped, or someone reads the text)."""
        request, self._held_request = self._held_request, None
        if request is not None:
            self.show_step(*request)

    def _explain(self, run: Run | None, position: int) -> bool:
        """Work out the explanation of `run`'s step at `position`; False when it is the one already held."""
        if run is None:
            if self._shown is not None:
                self._shown = None
                self._explanation = NO_RUN
                return True
            return False
        trace = run.trace
        position = max(0, min(int(position), len(trace) - 1))
        record = trace.record(position)
        initial = trace.initial if trace.initial is not None else run.initial
        key = (weakref.ref(run), position, record, initial, run.config, run.points, trace.stride)
        if key == self._shown:
            return False
        if spelled_out(run.config):
            explanation = explain_step(record, run.config, self._trained_data(run), initial=initial,
                                       number=fmt.number)
        else:
            explanation = explain_parameter_step(record, run.config, self._trained_columns(run),
                                                 initial_coefficients=trace.start_coefficients(), number=fmt.number)
        sections = explanation.sections
        if trace.stride > 1:
            sections += (Section("Timeline", (Line("", f"This run is longer than what is kept per step: the "
                                                     f"timeline keeps every {trace.stride:,}th step."),)),)
        self._explanation = replace(explanation, title=f"{run.label}: {explanation.title}", sections=sections)
        self._shown = key
        return True

    def _flush_hidden(self) -> None:
        """A step asked for while hidden, explained now (the text is rendered when the panel shows)."""
        request, self._hidden_request = self._hidden_request, None
        if request is not None and self._explain(*request):
            self._unrendered = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._flush_hidden()
        if self._unrendered:
            self._render()

    def _trained_data(self, run: Run) -> TrainedData:
        """The run's points in its trained space, computed once per run (and again only if they change)."""
        standardize = run.config.standardize
        cached = self._data.get(run)
        if cached is not None and cached[0] is run.points and cached[1] == standardize:
            return cached[2]
        points = run.points
        x, y = (points.x, points.y) if points is not None else (np.empty(0), np.empty(0))
        data = TrainedData.of_columns(x, y, standardize)
        self._data[run] = (points, standardize, data)
        return data

    def _trained_columns(self, run: Run) -> TrainedColumns:
        """A polynomial's (or any run the line's arithmetic does not cover) training columns, once per run."""
        cached = self._columns.get(run)
        if cached is not None and cached[0] is run.points and cached[1] == run.config:
            return cached[2]
        columns = TrainedColumns.of_points(run.points, run.config)
        self._columns[run] = (run.points, run.config, columns)
        return columns

    def _render(self) -> None:
        """Put the explanation in the text. Consecutive steps of a run have the same lines with other
        numbers: only the lines that changed are replaced, in one edit (a whole new text cost ~2 ms a
        frame to lay out again, and the reader's scroll position had to be restored)."""
        self._unrendered = False
        explanation = self._explanation
        lines = explanation.plain_text().split("\n")
        headings = _heading_lines(explanation)
        if len(lines) == len(self._lines) and headings == self._headings:
            self._replace_changed_lines(lines, headings)
        else:
            self._replace_text(lines, headings)
        self._lines, self._headings = lines, headings

    def _replace_changed_lines(self, lines: list[str], headings: frozenset[int]) -> None:
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        block = self.document().firstBlock()
        for number, (old, new) in enumerate(zip(self._lines, lines, strict=True)):
            if old != new:  # the block's span by position: movePosition(EndOfBlock) lays the old line out first
                start = block.position()
                cursor.setPosition(start)
                cursor.setPosition(start + block.length() - 1, QTextCursor.MoveMode.KeepAnchor)
                cursor.insertText(new, self._heading if number in headings else self._plain)
            block = block.next()
        cursor.endEditBlock()

    def _replace_text(self, lines: list[str], headings: frozenset[int]) -> None:
        """A new text (another layout of lines), keeping the line the reader scrolled to at the top."""
        top = self.cursorForPosition(QPoint(0, 0)).blockNumber() if self.verticalScrollBar().value() else 0
        self.setPlainText("\n".join(lines))
        document = self.document()
        everything = QTextCursor(document)
        everything.select(QTextCursor.SelectionType.Document)
        everything.setCharFormat(self._plain)  # setPlainText keeps the format the last edit left (bold)
        for number in headings:
            cursor = QTextCursor(document.findBlockByNumber(number))
            cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock, QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(self._heading)
        if top:
            self._scroll_to_block(top)

    def _scroll_to_block(self, number: int) -> None:
        """Put block `number` at the top. The scroll bar counts wrapped lines, known only for blocks laid
        out, so the few blocks above it are laid out first."""
        layout = self.document().documentLayout()
        lines, block = 0, self.document().firstBlock()
        while block.isValid() and block.blockNumber() < number:
            if isinstance(layout, QPlainTextDocumentLayout):
                layout.ensureBlockLayout(block)
            lines += max(block.lineCount(), 1)
            block = block.next()
        self.verticalScrollBar().setValue(lines)


def _heading_lines(explanation: Explanation) -> frozenset[int]:
    """The lines of `explanation.plain_text()` that are headings: the title, then per section a blank line,
    its title and its lines."""
    headings, line = set(), 0
    for title, count in [(explanation.title, 0), *((s.title, len(s.lines)) for s in explanation.sections)]:
        if title:
            headings.add(line)
        line += count + 2
    return frozenset(headings)
