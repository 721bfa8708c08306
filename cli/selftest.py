"""`--selftest`: train the seed problem, export every format, load each back, compare predictions.

Prints one line and returns 0, or 1 naming what failed. Meant for a freshly built bundle, where it
proves torch, the exporters and onnxruntime all made it in."""

from __future__ import annotations

import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

TOLERANCE = 1e-5


def run_selftest() -> int:
    started = time.perf_counter()
    failures: list[str] = []
    try:
        from engine.data.points import PointSet
        from engine.files.model_export import EXPORT_FORMATS, export_model
        from engine.files.model_loading import predict_with_file
        from engine.training.trainer import train

        result = train(PointSet.seed())
        if result.stop_reason != "completed" or abs(result.weight - 2) > 0.05 or abs(result.bias) > 0.1:
            failures.append(f"training gave y = {result.weight:.4f}·x + {result.bias:.4f}")
        xs = np.array([-3.0, 0.0, 1.5, 10.0])
        expected = result.weight * xs + result.bias
        with tempfile.TemporaryDirectory(prefix="gds-selftest-") as folder:
            for suffix in EXPORT_FORMATS:
                path = Path(folder) / f"model{suffix}"
                try:
                    export_model(result, path)
                    got = predict_with_file(path, xs)
                    if not np.allclose(got, expected, rtol=TOLERANCE, atol=TOLERANCE):
                        failures.append(f"{suffix} predicts {got.tolist()}, expected {expected.tolist()}")
                except Exception as error:  # noqa: BLE001 - the verdict must name every failing format
                    failures.append(f"{suffix}: {type(error).__name__}: {error}")
            failures.extend(check_animation_export(Path(folder)))
    except Exception as error:  # noqa: BLE001
        traceback.print_exc(file=sys.stderr)
        failures.append(f"{type(error).__name__}: {error}")
    elapsed = time.perf_counter() - started
    if failures:
        print(f"selftest FAILED in {elapsed:.1f} s: " + "; ".join(failures))
        return 1
    print(f"selftest passed in {elapsed:.1f} s: trained y = {result.weight:.4f}·x + {result.bias:.4f}, "
          f"exported and reloaded {', '.join(EXPORT_FORMATS)}; encoded and read back a GIF and an MP4")
    return 0


def check_animation_export(folder: Path) -> list[str]:
    """Encode 3 frames (numpy only, no Qt) as a GIF and an MP4 and read both back: proves the bundle
    carries Pillow, PyAV and PyAV's FFmpeg with its H.264 encoder. Returns what failed."""
    from engine.files.animation_file import AnimationSpec, write_animation

    failures: list[str] = []
    width, height = 96, 64
    frames = [np.full((height, width, 3), 255, dtype=np.uint8) for _ in range(3)]
    for index, frame in enumerate(frames):
        frame[:, index * 30: index * 30 + 16] = (200, 30, 30)
    for kind in ("gif", "mp4"):
        path = folder / f"animation.{kind}"
        try:
            write_animation(path, AnimationSpec(kind, 3, width, height, 1.0), frames)
            codec, count, size = _read_animation(path)
            if count != 3 or size != (width, height) or codec not in ("gif", "h264"):
                failures.append(f".{kind} animation read back as {codec}, {count} frames, {size}")
        except Exception as error:  # noqa: BLE001 - the verdict must name what failed
            failures.append(f".{kind} animation: {type(error).__name__}: {error}")
    return failures


def _read_animation(path: Path) -> tuple[str, int, tuple[int, int]]:
    if path.suffix == ".gif":
        from PIL import Image

        with Image.open(path) as image:
            return "gif", int(getattr(image, "n_frames", 1)), image.size
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        count = sum(1 for _ in container.decode(stream))
        return stream.codec_context.name, count, (stream.width, stream.height)
