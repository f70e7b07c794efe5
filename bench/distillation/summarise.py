#!/usr/bin/python3
"""Markdown tables of the distillation experiment (bench/distillation/run.sh): per seed, the
student alone vs distilled (all classes, non-blank): dev/test WER of the best checkpoint (glossa
evaluate), epoch of the best val WER, first epoch with val WER <= 10 %, and medians.
usage: summarise.py WORK_DIR [EPOCHS]"""
import json, os, statistics, sys

work = sys.argv[1]
epochs = sys.argv[2] if len(sys.argv) > 2 else "10"
runs = os.path.join(work, "runs")

def load(run):
    d = os.path.join(runs, run)
    if not os.path.exists(os.path.join(d, "summary.json")):
        return None
    s = json.load(open(os.path.join(d, "summary.json")))
    m = [json.loads(l) for l in open(os.path.join(d, "metrics.jsonl")) if l.strip()]
    def wer(split):
        f = os.path.join(d, f"eval-best-{split}", f"{split}.results.json")
        return json.load(open(f))["wer"] if os.path.exists(f) else None
    first10 = next((x["epoch"] for x in m if x["val_wer"] is not None and x["val_wer"] <= 10), None)
    return dict(dev=wer("dev"), test=wer("test"), best=s["best_epoch"], first10=first10,
                cps=s["clips_per_second"], kd=m[-1].get("distill_loss"), auc=sum(x["val_wer"] for x in m) / len(m))

variants = [("alone", "alone"), ("kd", "distilled"), ("kdnb", "distilled, non-blank")]
seeds = sorted({int(r.rsplit("-s", 1)[1]) for r in os.listdir(runs) if r.startswith(f"e{epochs}-")})
rows = {v: [] for v, _ in variants}
fmt = lambda x, f="{:.1f}": "-" if x is None else f.format(x)
print(f"| seed | " + " | ".join(f"{n}: dev / test WER, best epoch, first epoch <= 10 %" for _, n in variants) + " |")
print("|---|" + "---|" * len(variants))
for seed in seeds:
    cells = []
    for v, _ in variants:
        r = load(f"e{epochs}-{v}-s{seed}")
        if r: rows[v].append(r)
        cells.append("-" if r is None else f"{fmt(r['dev'])} / {fmt(r['test'])}, {r['best']}, {fmt(r['first10'], '{}')}")
    print(f"| {seed} | " + " | ".join(cells) + " |")
def med(v, k):
    xs = [r[k] for r in rows[v] if r[k] is not None]
    return statistics.median(xs) if xs else None
print("| median | " + " | ".join(f"{fmt(med(v, 'dev'))} / {fmt(med(v, 'test'))}, {fmt(med(v, 'best'))}, {fmt(med(v, 'first10'))}" for v, _ in variants) + " |")
print()
print("| variant | runs | median mean-val-WER over the epochs | median training clips/s |")
print("|---|---|---|---|")
for v, n in variants:
    print(f"| {n} | {len(rows[v])} | {fmt(med(v, 'auc'))} | {fmt(med(v, 'cps'))} |")
