#!/usr/bin/env bash
# Scorer benchmark: Glossa against the real sclite (/usr/lib/sctk/bin/sclite) on the same 10,000
# generated utterances (~100k reference words), alternating in one run; checks identical counts.
set -euo pipefail
cd "$(dirname "$0")/../.."
./glossa bench-score --utterances "${UTTERANCES:-10000}" --repeat "${REPEAT:-5}" "$@"
