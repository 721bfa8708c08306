"""Gradient Descent Studio. `python main.py` opens the desktop app; `train`, `devices` and `--selftest`
run headless (see `python main.py --help`)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings

CLI_WORDS = {"train", "devices", "--selftest", "-h", "--help"}


def main() -> int:
    if getattr(sys, "frozen", False):
        # The bundle leaves out torch's .py sources (docs/PACKAGING.md); torch.jit then warns, once per
        # overloaded function, that it cannot read them. Nothing we run needs them. Set before
        # freeze_support, which runs the training process's code when this is that process.
        warnings.filterwarnings("ignore", message="Unable to retrieve source", category=UserWarning)
    multiprocessing.freeze_support()
    arguments = sys.argv[1:]
    if arguments and arguments[0] in CLI_WORDS:
        from cli.commands import run

        code = run(arguments)
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
        os._exit(code)  # skips torch's slow interpreter teardown (0.4-0.8 s); all output is flushed
    from gui.app import run_app

    return run_app(arguments)


if __name__ == "__main__":
    sys.exit(main())
