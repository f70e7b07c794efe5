#!/usr/bin/env bash
# Frame-loading benchmark: Glossa's BatchLoader vs the Python PIL+numpy reference, interleaved in
# one run, medians and ratios printed as a markdown table. Usage: bench/loader/run.sh [--reps N] [--threads 1,2]
# Frames are generated once into $GLOSSA_BENCH_FRAMES (default /tmp/glossa-bench-frames).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
frames="${GLOSSA_BENCH_FRAMES:-/tmp/glossa-bench-frames}"
exec "$here/glossa" bench-loader --frames "$frames" --reference "$here/bench/loader/reference_loader.py" --python /usr/bin/python3 "$@"
