"""A GIF's 256 colours for frames of plots, and each pixel's index, exactly where the plot's colour is there.

Plots are mostly flat colour: white, the landscape's grey bands, the runs' colours, black text. Pillow's
median cut averages a box of colours into one (white came out as 252, 252, 252), and its palette lookup
rounds each channel to 6 bits before looking, so even a colour that is in the palette can come out as a
neighbour. Here the most common colours of the sample frames go into the palette as they are, median cut
fills the remaining places from the rest, and a 2^24-entry table maps every colour seen to its index: the
exact entry when there is one, else the nearest (filled in the first time that colour appears).
"""

from __future__ import annotations

import numpy as np

PALETTE_COLOURS = 254  # index 254 marks "not looked up yet" in the table, 255 is the transparent index
UNKNOWN, TRANSPARENT = 254, 255
EXACT_COLOURS = 160  # the most frequent colours kept as they are when a sample has more than fit
KEY_MASK = np.uint32(0xFFFFFF)  # a colour key's bits: the fourth byte of an RGBX pixel is not colour
NEAREST_CHUNK = 4096  # colours matched at a time (a chunk × 254 × 3 distance array)


def colour_keys(frame: np.ndarray) -> np.ndarray:
    """Each pixel's colour as one integer r | g << 8 | b << 16: [height, width] uint32. An RGBX frame
    (4 bytes a pixel, as Qt paints) is read in place; an RGB frame is combined channel by channel."""
    if frame.shape[2] == 4 and frame.flags.c_contiguous:
        return frame.view("<u4")[..., 0] & KEY_MASK
    rgb = frame[..., :3].astype(np.uint32)
    return rgb[..., 0] | (rgb[..., 1] << 8) | (rgb[..., 2] << 16)


def key_colours(keys: np.ndarray) -> np.ndarray:
    """The [n, 3] uint8 colours of n keys."""
    return np.column_stack([keys & 0xFF, (keys >> 8) & 0xFF, keys >> 16]).astype(np.uint8)


class ColourTable:
    """The palette (at most PALETTE_COLOURS entries) and the colour → index table."""

    def __init__(self, samples: list[np.ndarray]) -> None:
        keys = np.concatenate([colour_keys(frame).ravel() for frame in samples])
        colours, counts = np.unique(keys, return_counts=True)
        if colours.size > PALETTE_COLOURS:
            colours = _exact_and_cut(colours, counts)
        self.colours = key_colours(colours)  # [n, 3] uint8, n <= PALETTE_COLOURS
        self._transposed = self.colours.astype(np.float32).T
        self._lengths = (self._transposed * self._transposed).sum(axis=0)
        self._table = np.full(1 << 24, UNKNOWN, dtype=np.uint8)
        self._table[colours] = np.arange(colours.size, dtype=np.uint8)

    def palette_bytes(self) -> bytes:
        """The 256 colours as a GIF's colour table wants them (unused places black)."""
        return self.colours.tobytes().ljust(256 * 3, b"\0")

    def indices(self, keys: np.ndarray) -> np.ndarray:
        """Palette indices of colour keys (any shape); colours never seen before get their nearest entry."""
        found = self._table[keys]
        unknown = found == UNKNOWN
        if unknown.any():
            new = np.unique(keys[unknown])
            for start in range(0, new.size, NEAREST_CHUNK):
                chunk = new[start:start + NEAREST_CHUNK]
                self._table[chunk] = self._nearest(key_colours(chunk))
            found[unknown] = self._table[keys[unknown]]
        return found

    def _nearest(self, colours: np.ndarray) -> np.ndarray:
        """|c − p|² = |c|² − 2 c·p + |p|², and |c|² does not change which p is nearest: one small matrix product
        (exact in float32: every term is below 2^24)."""
        return np.argmin(self._lengths - 2 * (colours.astype(np.float32) @ self._transposed), axis=1).astype(np.uint8)


def _exact_and_cut(colours: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """EXACT_COLOURS most frequent colours as they are, and a median cut of the rest (weighted by how many
    pixels have each) for the places left."""
    from PIL import Image

    order = np.argsort(counts, kind="stable")[::-1]
    exact, rest = colours[order[:EXACT_COLOURS]], order[EXACT_COLOURS:]
    pixels = np.repeat(key_colours(colours[rest]), counts[rest], axis=0)
    cut = Image.fromarray(pixels.reshape(1, -1, 3), "RGB").quantize(PALETTE_COLOURS - EXACT_COLOURS,
                                                                      method=Image.Quantize.MEDIANCUT)
    palette = np.frombuffer(bytes(cut.getpalette() or []), dtype=np.uint8).reshape(-1, 3)
    cut_colours = palette[np.unique(np.asarray(cut))]
    cut_keys = colour_keys(cut_colours.reshape(1, -1, 3)).ravel()
    extra = cut_keys[~np.isin(cut_keys, exact)]
    return np.concatenate([exact, np.unique(extra)])[:PALETTE_COLOURS]
