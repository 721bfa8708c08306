#!/usr/bin/env bash
# Set up everything the app needs (Debian packages, .venv with pinned packages), then open the app.
# Idempotent: the second run skips straight to the app. Extra arguments go to main.py.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/bootstrap.sh requirements.txt
exec .venv/bin/python main.py "$@"
