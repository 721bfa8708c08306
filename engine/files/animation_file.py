"""Animated GIF (Pillow) and MP4 H.264 (PyAV, which ships its own FFmpeg) from RGB frames, streamed.

Frames arrive one at a time and leave as encoded bytes at once: nothing holds the whole animation in
memory (Pillow's own multi-frame GIF save keeps every frame, 1.5 GB for 3,000 frames at 960×540). The
file is written to a temporary name beside the target and replaces it only when complete
(engine/atomic_write.py), so a cancel or an error leaves any existing file as it was. No Qt here: the
bundle's self-test encodes with this module alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Any, Literal, Protocol

import numpy as np

from engine.atomic_write import atomic_path
from engine.errors import ExportError
from engine.files.gif_colours import KEY_MASK, TRANSPARENT, ColourTable, colour_keys

AnimationKind = Literal["gif", "mp4"]
ANIMATION_SUFFIXES: dict[str, AnimationKind] = {".gif": "gif", ".mp4": "mp4"}
MIN_FRAMES, MAX_FRAMES = 2, 3000
MIN_SIDE, MAX_SIDE = 64, 3840
MIN_DURATION_S, MAX_DURATION_S = 0.1, 600.0
MAX_GIF_FPS = 50  # GIF delays count in 1/100 s, and players stretch delays under 2/100 s to 1/10 s
MAX_MP4_FPS = 120
MP4_CRF = "20"  # H.264 quality: 18 is visually lossless; plots are flat colour and compress well anyway
MP4_PRESET = "veryfast"


class AnimationCancelled(Exception):  # noqa: N818 - it is not an error: the person pressed Cancel
    """The person cancelled: the temporary file is gone and the target untouched."""


def animation_kind(path: str | Path) -> AnimationKind:
    """The format a file name asks for; any other extension is refused (never guessed or appended)."""
    suffix = Path(path).suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise ExportError(f"{path}: an animation is saved as .gif or .mp4, not "
                          f"{suffix or 'a name without an extension'}")
    return ANIMATION_SUFFIXES[suffix]


@dataclass(frozen=True)
class AnimationSpec:
    """What the export dialog asks for: frame count, size in pixels, and how long the animation plays."""

    kind: AnimationKind
    frames: int = 300
    width: int = 960
    height: int = 540
    duration_s: float = 10.0

    def validate(self) -> None:
        """Raise ExportError naming the field that is out of range (values may come from a settings file)."""
        for name, value, low, high in (("frames", self.frames, MIN_FRAMES, MAX_FRAMES),
                                       ("width", self.width, MIN_SIDE, MAX_SIDE),
                                       ("height", self.height, MIN_SIDE, MAX_SIDE)):
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ExportError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
        duration = self.duration_s
        if (isinstance(duration, bool) or not isinstance(duration, int | float) or not math.isfinite(duration)
                or not MIN_DURATION_S <= duration <= MAX_DURATION_S):
            raise ExportError(f"duration must be {MIN_DURATION_S:g} to {MAX_DURATION_S:g} seconds, not {duration!r}")
        if self.kind == "mp4" and (self.width % 2 or self.height % 2):
            raise ExportError(f"an MP4 (H.264) needs an even width and height, not {self.width}×{self.height}")
        limit = MAX_GIF_FPS if self.kind == "gif" else MAX_MP4_FPS
        if self.frames / duration > limit:
            raise ExportError(f"{self.frames} frames in {duration:g} s is {self.frames / duration:.0f} frames per "
                              f"second; a {self.kind.upper()} plays at most {limit}: use fewer frames or a longer "
                              "duration")

    @property
    def fps(self) -> Fraction:
        return Fraction(self.frames) / Fraction(self.duration_s).limit_denominator(1000)


class FrameSink(Protocol):
    def add(self, frame: np.ndarray) -> None: ...

    def close(self) -> None: ...


class GifSink:
    """A looping GIF with one global palette (so colours never flicker between frames) taken from sample
    frames (the first and the last show every colour the run uses) with the plots' own colours kept exact
    (engine/files/gif_colours.py). After the first frame only the rectangle that changed is written, and in
    it every pixel that did not change is transparent: the previous frame shows through (disposal "do not
    dispose"), and the long runs of the transparent index cost LZW next to nothing."""

    def __init__(self, handle: IO[bytes], spec: AnimationSpec, palette_frames: list[np.ndarray]) -> None:
        self.handle, self.spec = handle, spec
        self._colours = ColourTable(palette_frames)
        self._previous: np.ndarray | None = None  # the last frame's colour keys: what the canvas shows now
        self._count = 0
        header = (b"GIF89a" + spec.width.to_bytes(2, "little") + spec.height.to_bytes(2, "little")
                  + bytes([0xF7, 0, 0]) + self._colours.palette_bytes()  # global table of 256 colours
                  + b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
        handle.write(header)

    def _delay_ms(self) -> int:
        """Delays in whole 1/100 s that add up to the chosen duration (not frames × a rounded delay)."""
        per_frame_cs = self.spec.duration_s * 100 / self.spec.frames
        return 10 * (round((self._count + 1) * per_frame_cs) - round(self._count * per_frame_cs))

    def add(self, frame: np.ndarray) -> None:
        from PIL import GifImagePlugin, Image

        pixels = _pixels(frame)
        previous, self._previous = self._previous, pixels
        params: dict[str, int] = {"duration": max(self._delay_ms(), 10), "disposal": 1}
        if previous is None:
            x0, y0, patch = 0, 0, self._colours.indices(colour_keys(frame))
        else:
            x0, y0, patch = self._changes(previous, pixels)
            params["transparency"] = TRANSPARENT
        image = Image.frombuffer("P", (patch.shape[1], patch.shape[0]), patch, "raw", "P", 0, 1)
        for chunk in GifImagePlugin.getdata(image, offset=(x0, y0), **params):
            self.handle.write(chunk)
        self._count += 1

    def _changes(self, previous: np.ndarray, pixels: np.ndarray) -> tuple[int, int, np.ndarray]:
        """The rectangle around every changed pixel, as palette indices with the unchanged ones transparent;
        an unchanged frame still counts (and lasts): one transparent pixel. Only the changed pixels (a few
        thousand: the moving line, path, cursor and title) are looked up."""
        where = np.flatnonzero(pixels != previous)
        if not where.size:
            return 0, 0, np.full((1, 1), TRANSPARENT, dtype=np.uint8)
        ys, xs = np.divmod(where, pixels.shape[1])
        y0, y1, x0, x1 = int(ys[0]), int(ys[-1]) + 1, int(xs.min()), int(xs.max()) + 1
        patch = np.full((y1 - y0, x1 - x0), TRANSPARENT, dtype=np.uint8)
        patch[ys - y0, xs - x0] = self._colours.indices(pixels.ravel()[where] & KEY_MASK)
        return x0, y0, patch

    def close(self) -> None:
        self.handle.write(b";")


def _pixels(frame: np.ndarray) -> np.ndarray:
    """One integer a pixel to compare frames by: an RGBX frame's own memory (no copy), else colour keys."""
    if frame.shape[2] == 4 and frame.flags.c_contiguous:
        return frame.view("<u4")[..., 0]
    return colour_keys(frame)


class Mp4Sink:
    """H.264 in MP4 through PyAV: yuv420p, so every player (and a browser) shows it."""

    def __init__(self, path: Path, spec: AnimationSpec) -> None:
        import av

        self._av = av
        self.container: Any = av.open(str(path), mode="w", format="mp4", options={"movflags": "+faststart"})
        self.stream: Any = self.container.add_stream("libx264", rate=spec.fps)
        self.stream.width, self.stream.height = spec.width, spec.height
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"crf": MP4_CRF, "preset": MP4_PRESET}
        self._count = 0

    def add(self, frame: np.ndarray) -> None:
        video_frame = self._av.VideoFrame.from_ndarray(frame, format="rgb24" if frame.shape[2] == 3 else "rgba")
        video_frame.pts = self._count
        self._count += 1
        for packet in self.stream.encode(video_frame):
            self.container.mux(packet)

    def close(self) -> None:
        try:
            for packet in self.stream.encode():
                self.container.mux(packet)
        finally:
            self.container.close()

    def abort(self) -> None:
        self.container.close()


def check_frame(frame: np.ndarray, spec: AnimationSpec) -> np.ndarray:
    """A frame as the encoders need it: uint8 [height, width, 3] (RGB) or [height, width, 4] (RGBX, as Qt
    paints it: the fourth byte is ignored), contiguous."""
    if frame.dtype != np.uint8 or frame.shape not in ((spec.height, spec.width, 3), (spec.height, spec.width, 4)):
        raise ExportError(f"a frame must be uint8 {spec.height}×{spec.width}×3 (or ×4), not {frame.dtype} "
                          f"{frame.shape}")
    return np.ascontiguousarray(frame)


def write_animation(path: str | Path, spec: AnimationSpec, frames: Iterable[np.ndarray],
                    cancelled: Callable[[], bool] = lambda: False,
                    encoded: Callable[[int], None] = lambda count: None,
                    palette_frames: Sequence[np.ndarray] = ()) -> Path:
    """Encode `frames` (exactly spec.frames of them) into `path`, atomically. `cancelled` is asked before
    each frame; `encoded(count)` is told after each; a GIF's colours come from `palette_frames` and the
    first frame. Raises AnimationCancelled, or ExportError/OSError."""
    target = Path(path)
    if animation_kind(target) != spec.kind:
        raise ExportError(f"{target}: the name says {animation_kind(target)}, the settings {spec.kind}")
    spec.validate()
    iterator = iter(frames)
    with atomic_path(target) as temporary:
        count = 0
        if spec.kind == "gif":
            with open(temporary, "wb") as handle:
                first = next(iterator, None)
                if first is None:
                    raise ExportError(f"{target}: no frames to write")
                samples = [check_frame(frame, spec) for frame in (first, *palette_frames)]
                sink: FrameSink = GifSink(handle, spec, samples)
                count = _feed(sink, [first], spec, cancelled, encoded, count)
                count = _feed(sink, iterator, spec, cancelled, encoded, count)
                sink.close()
        else:
            mp4 = Mp4Sink(temporary, spec)
            try:
                count = _feed(mp4, iterator, spec, cancelled, encoded, count)
            except BaseException:
                mp4.abort()
                raise
            mp4.close()
        if count != spec.frames:
            raise ExportError(f"{target}: got {count} frames, expected {spec.frames}")
    return target


def _feed(sink: FrameSink, frames: Iterable[np.ndarray], spec: AnimationSpec, cancelled: Callable[[], bool],
          encoded: Callable[[int], None], count: int) -> int:
    for frame in frames:
        if cancelled():
            raise AnimationCancelled
        sink.add(check_frame(frame, spec))
        count += 1
        encoded(count)
    return count
