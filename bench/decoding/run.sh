#!/usr/bin/env bash
# Decoder benchmark: greedy and beam-10 CTC decoding at T=60 frames, C=1296 classes, on 1 and 2
# threads, over synthetic peaked posteriors (Glossa.Decoding.SyntheticPosteriors). Prints a
# markdown table of medians (wall-clock utterances/s and utterances per CPU-second).
set -euo pipefail
cd "$(dirname "$0")/../.."
./glossa bench-decode --frames 60 --classes 1296 --utterances "${UTTERANCES:-4000}" --beam 10 --top-classes 40 --threads 1,2 --repeat "${REPEAT:-5}" "$@"
