"""File ▸ Export ▸ Animation: a run replayed into a GIF or an MP4 that players read back, written
atomically, cancellable, and never blocking the window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialogButtonBox, QMainWindow, QPushButton

from engine.data.points import PointSet
from engine.errors import ExportError
from engine.files.animation_file import AnimationSpec, animation_kind, write_animation
from engine.training.config import TrainingConfig
from engine.training.step_trace import StepRecords
from gui.session.run_history import Run, RunHistoryModel
from gui.shell.animation_dialog import AnimationDialog
from gui.shell.animation_export import AnimationExport
from gui.shell.notices import Notices
from gui.views.animation_frames import FrameRenderer, RunFilm

WIDTH, HEIGHT = 320, 180
WAIT_MS = 60_000


def sgd_run(steps: int = 200, lr: float = 0.01, number: int = 1) -> Run:
    """Full-batch SGD on x = 1..4, y = 2x from nn.Linear(1, 1)'s seed-0 start, computed in numpy."""
    x = np.arange(1.0, 5.0)
    y = 2 * x
    w, b = -0.0075, 0.5364
    rows = []
    for k in range(1, steps + 1):
        r = w * x + b - y
        gw, gb = float(2 * np.mean(r * x)), float(2 * np.mean(r))
        rows.append((k, float(np.mean(r * r)), w, b, w - lr * gw, b - lr * gb, gw, gb))
        w, b = w - lr * gw, b - lr * gb
    a = np.array(rows)
    n = len(rows)
    before, after, gradients = a[:, 2:4], a[:, 4:6], a[:, 6:8]
    records = StepRecords(steps=a[:, 0].astype(np.int64), epochs=a[:, 0].astype(np.int64),
                          batch_sizes=np.full(n, 4), losses=a[:, 1], before=before, after=after,
                          trained_before=before, trained_after=after, gradients=gradients,
                          states=np.zeros((n, 4)), learning_rates=np.full(n, lr))
    run = Run(number, TrainingConfig(), points=PointSet.from_columns(x, y))
    run.trace.extend(records)
    run.live_losses.extend(a[:, 1])
    return run


@pytest.fixture
def exporter(qtbot, tmp_path: Path):
    window = QMainWindow()
    qtbot.addWidget(window)
    runs = RunHistoryModel(window)
    action = QAction("Animation (GIF/MP4)…", window)
    export = AnimationExport(window, runs, action, Notices(window), lambda name: str(tmp_path / name))
    yield export
    export.shutdown()


def spec(kind: str, frames: int = 24) -> AnimationSpec:
    """`frames` at 12 frames per second."""
    return AnimationSpec(kind, frames, WIDTH, HEIGHT, frames / 12)  # type: ignore[arg-type]


def export_and_wait(qtbot, exporter: AnimationExport, run: Run, path: Path, settings: AnimationSpec) -> None:
    with qtbot.waitSignal(exporter.finished, timeout=WAIT_MS) as blocker:
        assert exporter.start(run, path, settings)
    assert blocker.args == [str(path)]


def test_gif_export_reads_back_with_every_frame_and_the_run_moving(qtbot, exporter, tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "run.gif"
    export_and_wait(qtbot, exporter, sgd_run(), path, spec("gif"))
    with Image.open(path) as image:
        assert image.n_frames == 24
        assert image.size == (WIDTH, HEIGHT)
        assert image.info["loop"] == 0
        first = np.asarray(image.convert("RGB"))
        durations = []
        for index in range(image.n_frames):
            image.seek(index)
            durations.append(image.info["duration"])
        last = np.asarray(image.convert("RGB"))
    assert sum(durations) == 2000 and set(durations) <= {80, 90}  # 24 frames in 2 s, in whole 1/100 s
    assert (first != last).any(axis=2).mean() > 0.002  # the line, the path and the cursor moved
    assert not [p for p in tmp_path.iterdir() if p.name != "run.gif"]  # no temporary file left


def test_mp4_export_is_h264_with_every_frame(qtbot, exporter, tmp_path: Path) -> None:
    import av

    path = tmp_path / "run.mp4"
    export_and_wait(qtbot, exporter, sgd_run(), path, spec("mp4"))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == (WIDTH, HEIGHT)
        assert sum(1 for _ in container.decode(stream)) == 24
        assert float(stream.average_rate) == pytest.approx(12.0)  # 24 frames over 2 s


def test_cancel_leaves_no_file_and_no_temporary_file(qtbot, exporter, tmp_path: Path) -> None:
    path = tmp_path / "run.gif"
    with qtbot.waitSignal(exporter.framesRendered, timeout=WAIT_MS):
        assert exporter.start(sgd_run(), path, spec("gif", frames=200))
    with qtbot.waitSignal(exporter.cancelled, timeout=WAIT_MS):
        assert exporter.progress is not None
        exporter.progress.findChild(QPushButton).click()  # the progress dialog's Cancel
    assert list(tmp_path.iterdir()) == []
    assert not exporter.is_exporting()


def test_closing_the_window_mid_export_cancels_at_once_and_quietly(qtbot, exporter, tmp_path: Path) -> None:
    """main_window's closeEvent calls shutdown(): when it returns, nothing is written, nothing is left."""
    path = tmp_path / "lesson.gif"
    path.write_bytes(b"old")
    messages: list[object] = []
    for signal in (exporter.finished, exporter.failed, exporter.cancelled):
        signal.connect(lambda *args: messages.append(args))
    with qtbot.waitSignal(exporter.framesRendered, timeout=WAIT_MS):
        assert exporter.start(sgd_run(), path, spec("gif", frames=200))
    exporter.shutdown()
    assert not exporter.is_exporting() and exporter.progress is None
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["lesson.gif"]
    QCoreApplication.processEvents()  # delivers the ended worker's queued "cancelled": it must change nothing
    assert messages == [] and not exporter.is_exporting()


def test_an_existing_file_is_replaced_only_by_a_complete_animation(qtbot, exporter, tmp_path: Path) -> None:
    path = tmp_path / "lesson.mp4"
    path.write_bytes(b"the teacher's old video")
    with qtbot.waitSignal(exporter.framesRendered, timeout=WAIT_MS):
        exporter.start(sgd_run(), path, spec("mp4", frames=200))
    with qtbot.waitSignal(exporter.cancelled, timeout=WAIT_MS):
        exporter.cancel()
    assert path.read_bytes() == b"the teacher's old video"
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.mp4"]
    export_and_wait(qtbot, exporter, sgd_run(), path, spec("mp4"))
    assert path.read_bytes()[4:8] == b"ftyp"  # an MP4 now


def test_a_failed_encode_names_the_path_and_leaves_the_old_file(qtbot, exporter, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.files import animation_file

    original = animation_file.GifSink.add

    def add_until_the_disk_is_full(sink, frame) -> None:
        if sink._count == 5:
            raise OSError(28, "No space left on device")
        original(sink, frame)

    monkeypatch.setattr(animation_file.GifSink, "add", add_until_the_disk_is_full)
    path = tmp_path / "lesson.gif"
    path.write_bytes(b"old")
    with qtbot.waitSignal(exporter.failed, timeout=WAIT_MS) as blocker:
        exporter.start(sgd_run(), path, spec("gif"))
    assert blocker.args == [f"{path}: No space left on device"]
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.gif"]
    assert not exporter.is_exporting()


def test_the_window_keeps_running_its_event_loop_while_exporting(qtbot, exporter, tmp_path: Path) -> None:
    ticks = []
    counter = QTimer()
    counter.setInterval(0)
    counter.timeout.connect(lambda: ticks.append(exporter.writer.offered if exporter.writer else -1))
    counter.start()
    try:
        export_and_wait(qtbot, exporter, sgd_run(), tmp_path / "run.gif", spec("gif", frames=60))
    finally:
        counter.stop()
    during = {count for count in ticks if 0 < count < 60}
    assert len(during) >= 5, f"the event loop ran at only {len(during)} points of a 60-frame export"


def test_a_name_without_gif_or_mp4_is_refused_in_the_dialog(qtbot, tmp_path: Path) -> None:
    dialog = AnimationDialog(None, "#1 SGD", 201, str(tmp_path / "animation.gif"))
    qtbot.addWidget(dialog)
    dialog.path_edit.setText(str(tmp_path / "animation.avi"))
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
    assert not dialog.result()
    assert dialog.error.isVisibleTo(dialog)
    assert ".gif or .mp4" in dialog.error.text() and "animation.avi" in dialog.error.text()
    with pytest.raises(ExportError, match="without an extension"):
        animation_kind(tmp_path / "animation")
    assert list(tmp_path.iterdir()) == []


def test_the_dialog_refuses_odd_mp4_sizes_and_too_fast_gifs(qtbot, tmp_path: Path) -> None:
    dialog = AnimationDialog(None, "#1 SGD", 201, str(tmp_path / "a.mp4"))
    qtbot.addWidget(dialog)
    dialog.width_spin.setValue(961)
    with pytest.raises(ExportError, match="even width"):
        dialog.request()
    dialog.path_edit.setText(str(tmp_path / "a.gif"))
    dialog.frames.setValue(3000)
    dialog.duration.setValue(10.0)
    with pytest.raises(ExportError, match="at most 50"):
        dialog.request()
    dialog.frames.setValue(300)
    path, settings = dialog.request()
    assert (path, settings) == (tmp_path / "a.gif", AnimationSpec("gif", 300, 961, 540, 10.0))


def test_frames_show_the_run_in_its_colour_at_the_chosen_step(qtbot) -> None:
    run = sgd_run()
    film = RunFilm.of(run)
    assert film is not None
    assert film.frame_positions(5).tolist() == [0, 50, 100, 150, 200]
    assert film.title(100).startswith(f"{run.label} — epoch 100 · step 100")
    renderer = FrameRenderer(film, WIDTH, HEIGHT)
    try:
        first, frame = renderer.render(0), renderer.render(100)
        assert frame.shape == (HEIGHT, WIDTH, 4) and frame.dtype == np.uint8  # RGBX, as QPainter draws
        green = np.array([0x2C, 0xA0, 0x2C])  # run #1's colour

        def is_green(image: np.ndarray, x: float, y: float) -> bool:
            return bool(np.abs(image[round(y), round(x), :3].astype(int) - green).sum() < 40)

        assert (np.abs(frame[..., :3].astype(int) - green).sum(axis=2) < 40).sum() > 100
        w, b = run.trace.params_at(100)
        middle = float(np.mean(renderer.data.getViewBox().viewRange()[0]))
        (x,), (y,) = renderer.data_map.to_pixels(np.array([middle]), np.array([w * middle + b]))
        assert is_green(frame, x, y) and not is_green(first, x, y)  # the line at step 100, not at the start
        (dot_x,), (dot_y,) = renderer.landscape_map.to_pixels(np.array([w]), np.array([b]))
        assert is_green(frame, dot_x + 4, dot_y) and not is_green(first, dot_x + 4, dot_y)  # the dot's ring
    finally:
        renderer.close()


def test_the_gif_keeps_the_plots_colours_exact(qtbot, exporter, tmp_path: Path) -> None:
    """White stays white and the run's colour stays its own: only antialiased edges may be approximated."""
    from PIL import Image

    run = sgd_run()
    path = tmp_path / "run.gif"
    export_and_wait(qtbot, exporter, run, path, spec("gif", frames=3))
    film = RunFilm.of(run)
    assert film is not None
    renderer = FrameRenderer(film, WIDTH, HEIGHT)
    try:
        expected = [renderer.render(int(position))[..., :3] for position in film.frame_positions(3)]
    finally:
        renderer.close()
    with Image.open(path) as image:
        for index, want in enumerate(expected):
            image.seek(index)
            got = np.asarray(image.convert("RGB"))
            exact = (got == want).all(axis=2)
            assert exact.mean() > 0.97, f"frame {index}: only {exact.mean():.1%} of the pixels kept their colour"
            white = (want == 255).all(axis=2)
            assert (got[white] == 255).all()


def test_write_animation_needs_exactly_the_promised_frames(tmp_path: Path) -> None:
    frames = [np.zeros((64, 96, 3), dtype=np.uint8)] * 2
    with pytest.raises(ExportError, match="got 2 frames, expected 3"):
        write_animation(tmp_path / "a.gif", AnimationSpec("gif", 3, 96, 64, 1.0), frames)
    assert list(tmp_path.iterdir()) == []


def test_the_menu_action_is_enabled_once_a_run_has_steps(window) -> None:
    action = window.menus.export_animation
    assert action.objectName() == "exportAnimationAction"
    assert action.text() == "Animation (GIF/MP4)…"
    assert not action.isEnabled()
    run = window.runs.start_run(TrainingConfig())
    run.trace.extend(sgd_run(steps=3).trace.records())
    window.runs.runsChanged.emit()
    assert action.isEnabled()


def test_the_first_frame_frames_the_starting_line_too(qtbot) -> None:
    """nn.Linear's first guess (seed 0: y ≈ 0.54) lies below the points (2 … 8): the lesson's first frame
    must show it, not leave the data plot empty."""
    from gui.views.animation_framing import data_view

    film = RunFilm.of(sgd_run())
    (_x0, _x1), (y0, y1) = data_view(film)
    start = film.weights[0] * film.x + film.biases[0]
    assert y0 <= start.min() and start.max() <= y1
    assert y0 <= film.y.min() and film.y.max() <= y1
