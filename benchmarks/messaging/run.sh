#!/usr/bin/env bash
# Event latency through the outbox, the relay, the broker and a consumer (docs/benchmarks/messaging.md).
# Runs in the user benchmark's venv (built on first use by benchmarks/user/run.sh) or $PYTHON.
cd "$(dirname "$0")/../.." || exit 1
VENV="${BENCH_VENV:-$HOME/.cache/lms-benchmarks/user-venv}"
PYTHON="${PYTHON:-$VENV/bin/python}"
export PYTHONPATH="$PWD/src/python:$PWD/src/python/platform:$PWD" PYTHONUNBUFFERED=1
exec "$PYTHON" -m benchmarks.messaging.event_latency "$@"
