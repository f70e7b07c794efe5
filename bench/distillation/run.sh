#!/usr/bin/env bash
# The distillation experiment of docs/distillation.md: a teacher trained on a small synthetic
# corpus, then for each seed the same student trained alone and distilled from it, with the same
# epoch budget, one run at a time (side by side, 1 thread each), then evaluated on dev and test.
# usage: bench/distillation/run.sh WORK_DIR [GLOSSA_CLI_DLL]   (defaults to ./glossa)
set -euo pipefail
work=${1:?usage: run.sh WORK_DIR [Glossa.Cli.dll]}
cli=${2:-}
glossa() { if [[ -n "$cli" ]]; then dotnet "$cli" "$@"; else ./glossa "$@"; fi; }
mkdir -p "$work/runs"
corpus="$work/synth8"
[[ -d "$corpus" ]] || glossa synth "$corpus" --sentences 60 --glosses 8 --signers 1 --seed 5 --json
common=(--corpus "$corpus" --frame-size 32 --no-augment --batch-size 2 --learning-rate 1e-3 --patience 0
        --histogram-every 0 --log-samples 1 --workers 1 --threads 1 --json)
teacher="$work/runs/teacher"
[[ -f "$teacher/summary.json" ]] || glossa train --model tiny-student --hidden-dim 256 --epochs 14 --seed 1 \
    --output-dir "$teacher" --cache-dir "$work/frames" "${common[@]}" > /dev/null
evaluate() {
  for split in dev test; do
    [[ -f "$1/eval-best-$split/$split.results.json" ]] || glossa evaluate --checkpoint "$1/best" --corpus "$corpus" --split "$split" --threads 1 --json > /dev/null
  done
}
evaluate "$teacher"
epochs=${EPOCHS:-10}
for seed in ${SEEDS:-1 2 3 4 5}; do
  student=(--model tiny-student --hidden-dim 32 --epochs "$epochs" --seed "$seed" --cache-dir "$work/frames")
  run="$work/runs/e$epochs-alone-s$seed"
  [[ -f "$run/summary.json" ]] || glossa train "${student[@]}" --output-dir "$run" --overwrite "${common[@]}" > /dev/null
  evaluate "$run"
  for variant in ${VARIANTS:-kd kdnb}; do
    run="$work/runs/e$epochs-$variant-s$seed"
    extra=(); [[ $variant == kdnb ]] && extra=(--kd-non-blank)
    [[ -f "$run/summary.json" ]] || glossa distill --teacher "$teacher/best" "${student[@]}" --output-dir "$run" --overwrite \
        --cache-teacher --teacher-cache-dir "$work/teacher-cache" "${extra[@]}" "${common[@]}" > /dev/null
    evaluate "$run"
  done
done
