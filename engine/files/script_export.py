"""Export a run as a standalone Python script in the style of the classic PyTorch example.

The script needs only Python and torch and repeats the run (its text: engine.files.script_source). Up to
INLINE_POINTS points are written into the script; more go to a CSV file beside it, which it reads.

A run's settings may come from a hand-edited project file, and the script is code a user will run: every
setting is validated again here and written as the repr of an int, a float, a bool or a registry key,
never as text copied from the file. The data file beside the script never replaces a file the user did
not name: it gets the first free name.
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path

from engine.atomic_write import write_text_atomic
from engine.data.csv_io import write_csv
from engine.data.points import PointSet
from engine.errors import ConfigError
from engine.files.script_source import script_source
from engine.training.config import TrainingConfig

INLINE_POINTS = 2000
MAX_DATA_NAMES = 1000  # <name>-data-1000.csv: past that, something else is wrong with the folder


def export_script(points: PointSet, config: TrainingConfig, path: str | os.PathLike[str]) -> list[Path]:
    """Write the script (and its CSV when the points are many); return the files written, the script first.

    Raises ConfigError for settings that do not validate (then nothing is written), DataError for points
    that are not finite, OSError when a file cannot be written (then neither file is left behind).
    """
    checked = validated_config(config)
    points.validate(for_fitting=False)
    target = Path(path)
    if len(points) <= INLINE_POINTS:
        write_text_atomic(target, script_source(_inline_source(points), checked))
        return [target]
    data_file = _reserve_data_file(target)
    try:
        write_csv(points, data_file)
        write_text_atomic(target, script_source(_read_csv_source(data_file.name), checked, reads_csv=True))
    except BaseException:
        data_file.unlink(missing_ok=True)  # ours: reserved above, so never a file the user had
        raise
    return [target, data_file]


def validated_config(config: object) -> TrainingConfig:
    """A TrainingConfig built afresh from `config`'s fields: whatever made `config` (a file, a subclass,
    object.__setattr__), each value passes the same checks as one typed into the panel."""
    try:
        values = {field.name: getattr(config, field.name) for field in fields(TrainingConfig)}
    except AttributeError as error:
        raise ConfigError(f"Not a complete set of training settings ({error}).") from None
    return TrainingConfig(**values)


def data_file_candidates(script: Path) -> list[Path]:
    """`<name>.csv`, then `<name>-data.csv`, `<name>-data-2.csv`, ...: where the script's data may go."""
    stem = script.stem
    names = [f"{stem}.csv", f"{stem}-data.csv", *(f"{stem}-data-{n}.csv" for n in range(2, MAX_DATA_NAMES + 1))]
    return [script.with_name(name) for name in names]


def _reserve_data_file(script: Path) -> Path:
    """Create the first free candidate empty and exclusively (no race with another writer), for
    write_csv to replace atomically."""
    script.parent.mkdir(parents=True, exist_ok=True)
    for candidate in data_file_candidates(script):
        if candidate == script:
            continue
        try:
            descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return candidate
    raise FileExistsError(f"no free name for the data file beside {script.name} "
                          f"({script.stem}.csv to {script.stem}-data-{MAX_DATA_NAMES}.csv all exist)")


def _inline_source(points: PointSet) -> str:
    return f"xs = {points.x.tolist()!r}\nys = {points.y.tolist()!r}"


def _read_csv_source(file_name: str) -> str:
    return "\n".join([
        f"DATA = Path(__file__).with_name({file_name!r})  # x,y per line, with a header",
        "with DATA.open(newline='', encoding='utf-8') as handle:",
        "    rows = list(csv.reader(handle))[1:]",
        "xs = [float(row[0]) for row in rows]",
        "ys = [float(row[1]) for row in rows]",
    ])
