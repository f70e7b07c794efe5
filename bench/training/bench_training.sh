#!/usr/bin/env bash
# Training throughput benchmark: one epoch of `glossa train` per model on a small synthetic
# corpus at 2 threads; reports clips/s, frames/s, the data-wait share and peak RSS from the run's
# summary.json, plus the CPU time the process got (the machine may be shared: compare
# cpu_seconds_per_clip between runs, not wall time alone).
# Usage: bench/training/bench_training.sh [WORKDIR] [MODELS] [FRAME_SIZE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-/tmp/glossa-bench-training}"
models="${2:-tiny-student mobilenetv3-student i3d-teacher}"
size="${3:-112}"
glossa="${GLOSSA:-$here/glossa}"   # e.g. a frozen build while sources change
mkdir -p "$work"
corpus="$work/corpus"
if [[ ! -f "$corpus/glossa-synth.json" ]]; then
  "$glossa" synth "$corpus" --sentences 12 --glosses 8 --signers 2 --overwrite --json >/dev/null
fi
for model in $models; do
  run="$work/run-$model"
  # The first epoch fills the frame cache; the second is measured (resume keeps the run folder).
  "$glossa" train --model "$model" --corpus "$corpus" --output-dir "$run" --overwrite --epochs 1 \
      --frame-size "$size" --batch-size 2 --threads 2 --workers 1 --cache-dir "$work/cache-$size" \
      --histogram-every 0 --json >/dev/null
  /usr/bin/time -f "%U %S %e %M" -o "$work/time-$model.txt" \
    "$glossa" train --model "$model" --corpus "$corpus" --output-dir "$run" --resume --epochs 2 \
      --frame-size "$size" --batch-size 2 --threads 2 --workers 1 --cache-dir "$work/cache-$size" \
      --histogram-every 0 --json > "$work/summary-$model.json"
  read -r user sys wall rss_kb < "$work/time-$model.txt"
  /usr/bin/python3 - "$work/summary-$model.json" "$model" "$size" "$user" "$sys" "$wall" "$rss_kb" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
model, size, user, sys_, wall, rss_kb = sys.argv[2], sys.argv[3], *map(float, sys.argv[4:])
clips = s["clips_per_second"]
print(json.dumps({
    "model": model, "frame_size": int(size), "threads": 2,
    "clips_per_second": round(clips, 3), "frames_per_second": round(s["frames_per_second"], 1),
    "data_wait_share": round(s["data_wait_share"], 4), "peak_rss_mib": round(rss_kb / 1024, 1),
    "process_cpu_share": round((user + sys_) / wall, 2),
}))
PY
done
