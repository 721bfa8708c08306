#!/usr/bin/env bash
# Build the standalone one-folder bundle: dist/GradientDescentStudio/GradientDescentStudio.
# From a clean checkout: sets up .venv (as run-tests.sh does), then runs PyInstaller on build.spec.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/bootstrap.sh requirements-dev.txt
command -v strip >/dev/null || echo "note: 'strip' (binutils) not found; the bundle keeps its debug symbols" >&2
.venv/bin/python -m PyInstaller --noconfirm --clean --log-level WARN build.spec
du -sh dist/GradientDescentStudio
