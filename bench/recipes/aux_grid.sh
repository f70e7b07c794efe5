#!/usr/bin/env bash
# Auxiliary objectives on the harder synthetic world (issue 14): plain CTC vs CTC + VAC terms
# (visual enhancement + visual alignment) vs + SMKD (shared weight-normalised classifier) for the
# tiny student, and plain vs VAC for the MobileNetV3-Small student, 3 training seeds each, one
# corpus for every arm. Runs one training at a time on one thread, then evaluates the last
# checkpoint (equal epochs) greedy and beam 10 on dev and test. Rerunning skips finished runs.
#
#   bench/recipes/aux_grid.sh [WORKDIR] [EPOCHS] [SEEDS] [SET]  (defaults: /tmp/aux_grid 10 "1 2 3" main)
#
# SET main: the grid above. SET ablation: why the VAC arms stay on the blank plateau, tiny student
# only: visual enhancement alone (no alignment term), and all VAC terms without the gradient-norm
# clip (the default clip of 5 scales every term's gradient down together).
#   python3 bench/recipes/aux_grid_table.py WORKDIR           (the table of docs/models.md)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="${1:-/tmp/aux_grid}"
epochs="${2:-10}"
seeds="${3:-1 2 3}"
set_name="${4:-main}"
glossa="$repo/glossa"
corpus="$work/corpus"
mkdir -p "$work/runs" "$work/eval"

if [[ ! -f "$corpus/glossa-synth.json" ]]; then
  "$glossa" synth "$corpus" --world sign --sentences 120 --glosses 16 --signers 3 \
    --glosses-per-sentence 4 --seed 1 --json > "$work/synth.json"
fi

# Options every arm shares: same epochs, rate, batch, frame size; a constant rate after a
# one-epoch warm-up (no plateau decay, no early stopping), no augmentation.
common=(--corpus "$corpus" --epochs "$epochs" --threads 1 --workers 1 --frame-size 64
        --batch-size 2 --learning-rate 1e-3 --schedule constant --warmup-epochs 1
        --plateau-patience 0 --patience 0 --no-augment --histogram-every 0 --log-samples 1
        --cache-dir "$work/cache64" --overwrite --json)
vac=(--conv-ctc-weight 1 --align-weight 25)

# name|model|extra options. The tiny student runs with 256 temporal channels in every arm
# (SMKD's shared classifier needs temporal width = 2 x hidden = 256), so the arms differ only
# in their objectives.
arms=()
if [[ "$set_name" == ablation ]]; then
  for s in $seeds; do
    arms+=("tiny-vac-noclip-s$s|tiny-student|--temporal-channels 256 ${vac[*]} --clip-grad-norm 0 --seed $s"
           "tiny-ve-s$s|tiny-student|--temporal-channels 256 --conv-ctc-weight 1 --seed $s")
  done
elif [[ "$set_name" != main ]]; then
  echo "aux_grid.sh: SET must be main or ablation (got '$set_name')" >&2
  exit 2
fi
for s in $seeds; do
  [[ "$set_name" == main ]] || break
  arms+=("tiny-plain-s$s|tiny-student|--temporal-channels 256 --seed $s"
         "tiny-vac-s$s|tiny-student|--temporal-channels 256 ${vac[*]} --seed $s"
         "tiny-smkd-s$s|tiny-student|--temporal-channels 256 ${vac[*]} --shared-classifier --seed $s")
done
for s in $seeds; do
  [[ "$set_name" == main ]] || break
  arms+=("mnv3s-plain-s$s|mobilenetv3-small-student|--seed $s"
         "mnv3s-vac-s$s|mobilenetv3-small-student|${vac[*]} --seed $s")
done

for arm in "${arms[@]}"; do
  IFS='|' read -r name model extra <<< "$arm"
  run="$work/runs/$name"
  if [[ -f "$work/eval/$name.done" ]]; then continue; fi
  echo "$(date -u +%T) train $name" >&2
  # shellcheck disable=SC2086
  /usr/bin/time -f '{"user":%U,"system":%S,"wall":%e}' -o "$work/eval/$name.train-time.json" \
    "$glossa" train --model "$model" --output-dir "$run" "${common[@]}" $extra > "$work/eval/$name.train.json"
  for split in dev test; do
    for beam in 0 10; do
      /usr/bin/time -f '{"user":%U,"system":%S,"wall":%e}' -o "$work/eval/$name.$split.beam$beam.time.json" \
        "$glossa" evaluate --checkpoint "$run/last" --corpus "$corpus" --split "$split" --beam "$beam" \
        --threads 1 --cache-dir "$work/cache64" --output-dir "$run/eval-last-$split" --json \
        > "$work/eval/$name.$split.beam$beam.json"
    done
  done
  touch "$work/eval/$name.done"
done
echo "$(date -u +%T) all done" >&2
