#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite (lint, types, engine, CLI, GUI offscreen,
# one real window under Xvfb). Idempotent. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/bootstrap.sh requirements-dev.txt
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
