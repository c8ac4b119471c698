#!/usr/bin/env bash
# The auth-service benchmark (docs/benchmarks/auth.md): login throughput, token verification cost
# in another service, and account.registered -> profile latency. Builds its venv on first use.
cd "$(dirname "$0")/../.." && exec "${PYTHON:-python3.11}" -m benchmarks.auth.runner "$@"
