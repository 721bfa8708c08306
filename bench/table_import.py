"""Importing a million rows with a name column beside the numbers, against a plain two-column file.

Prints, from this one run (the machines are noisy: compare only within a run):
  4-column CSV (name, 3 numbers) import / plain x,y CSV import    (numpy reads the chosen columns)
  the same with one bad line (the line-by-line pass names it) / plain x,y CSV import
Usage: python bench/table_import.py [--rows N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from engine.data.table_files import import_points  # noqa: E402


def timed(path: Path) -> float:
    start = time.perf_counter()
    import_points(path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_args().rows
    x = np.random.default_rng(0).normal(size=rows).tolist()
    with tempfile.TemporaryDirectory() as folder:
        plain, named, bad = Path(folder, "plain.csv"), Path(folder, "named.csv"), Path(folder, "bad.csv")
        plain.write_text("x,y\n" + "".join(f"{a!r},{2 * a + 1!r}\n" for a in x), encoding="utf-8")
        lines = [f"p{i},{a!r},{i},{2 * a + 1!r}\n" for i, a in enumerate(x)]
        named.write_text("name,a,b,c\n" + "".join(lines), encoding="utf-8")
        lines[rows // 2] = f"p{rows // 2},{x[rows // 2]!r},1,n/a\n"
        bad.write_text("name,a,b,c\n" + "".join(lines), encoding="utf-8")
        base = timed(plain)
        print(f"plain x,y CSV, {rows:,} rows: {base:.2f} s")
        print(f"4-column CSV with names / plain: {timed(named) / base:.2f}")
        print(f"4-column CSV with one bad line / plain: {timed(bad) / base:.2f}")


if __name__ == "__main__":
    main()
