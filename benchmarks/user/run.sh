#!/usr/bin/env bash
# The user-service benchmark (docs/benchmarks/user.md): builds its venv on first use, then runs.
cd "$(dirname "$0")/../.." && exec "${PYTHON:-python3.11}" -m benchmarks.user.runner "$@"
