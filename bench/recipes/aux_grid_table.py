#!/usr/bin/env python3
"""Table of bench/recipes/aux_grid.sh: WER of the last checkpoint per arm over seeds (mean ± sample
standard deviation), the per-term losses of the last epoch and the CPU seconds of each run
(training + four evaluations). "dev greedy, trainer" is the last epoch's validation WER as the
trainer logged it (greedy, no cleanup, eager model); the other WER columns are `glossa evaluate`.

    python3 bench/recipes/aux_grid_table.py WORKDIR [--per-seed]
"""
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def load(path):
    return json.loads(Path(path).read_text())


def cpu(path):
    t = load(path)
    return t["user"] + t["system"]


def fmt(values, digits=1):
    if not values:
        return "-"
    mean = statistics.mean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{mean:.{digits}f} ± {sd:.{digits}f}"


def main():
    work = Path(sys.argv[1])
    per_seed = "--per-seed" in sys.argv
    arms = defaultdict(dict)  # arm -> seed -> row
    for done in sorted((work / "eval").glob("*.done")):
        name = done.name[: -len(".done")]
        m = re.fullmatch(r"(.+)-s(\d+)", name)
        arm, seed = m.group(1), int(m.group(2))
        ev = work / "eval"
        row = {}
        for split in ("dev", "test"):
            for beam in (0, 10):
                row[f"{split}{beam}"] = load(ev / f"{name}.{split}.beam{beam}.json")["wer"]
        seconds = cpu(ev / f"{name}.train-time.json")
        seconds += sum(cpu(p) for p in ev.glob(f"{name}.*.beam*.time.json"))
        row["cpu"] = seconds
        epochs = [json.loads(l) for l in (work / "runs" / name / "metrics.jsonl").read_text().splitlines() if l.strip()]
        last = epochs[-1]
        row["epochs"] = last["epoch"]
        # A plain-CTC run logs no loss_terms: its train_loss is the ctc term.
        row["terms"] = last.get("loss_terms") or {"ctc": last["train_loss"]}
        row["val_curve"] = [round(e["val_wer"], 1) for e in epochs]
        # The trainer's own validation: greedy, no cleanup, the eager model (not the fused eval path).
        row["val_last"] = last["val_wer"]
        row["best"] = min((e["val_wer"], e["epoch"]) for e in epochs)
        arms[arm][seed] = row

    print("| arm | seeds | dev greedy, trainer (eager) | dev greedy | dev beam 10 | test greedy | test beam 10 | last-epoch terms (ctc / conv_ctc / align) | CPU s per run |")
    print("|---|---|---|---|---|---|---|---|---|")
    for arm, seeds in arms.items():
        rows = [seeds[s] for s in sorted(seeds)]
        col = lambda k: fmt([r[k] for r in rows])
        terms = []
        for key in ("ctc", "conv_ctc", "align"):
            vals = [r["terms"][key] for r in rows if key in r["terms"]]
            terms.append(f"{statistics.mean(vals):.2f}" if vals else "-")
        print(f"| {arm} | {','.join(map(str, sorted(seeds)))} | {col('val_last')} | {col('dev0')} | {col('dev10')} | {col('test0')} | {col('test10')} "
              f"| {' / '.join(terms)} | {statistics.mean(r['cpu'] for r in rows):.0f} |")
    if per_seed:
        print()
        print("| run | epochs | dev greedy | dev beam 10 | test greedy | test beam 10 | best greedy dev (epoch) | greedy dev WER by epoch | CPU s |")
        print("|---|---|---|---|---|---|---|---|---|")
        for arm, seeds in arms.items():
            for s in sorted(seeds):
                r = seeds[s]
                print(f"| {arm}-s{s} | {r['epochs']} | {r['dev0']:.1f} | {r['dev10']:.1f} | {r['test0']:.1f} | {r['test10']:.1f} "
                      f"| {r['best'][0]:.1f} ({r['best'][1]}) | {', '.join(f'{v:g}' for v in r['val_curve'])} | {r['cpu']:.0f} |")


if __name__ == "__main__":
    main()
