#!/usr/bin/python3
"""Learning parity: the same model and recipe trained in Glossa (`glossa train`) and in PyTorch
(Debian's python3-torch, the model of bench/parity/glossa_model.py built from Glossa's own model
config) on the same PHOENIX-layout corpus and seeds; prints per-epoch train loss and greedy dev
WER side by side.

Recipe on both sides: tiny-student at 64x64 (resize 72x72, centre crop 64, x/127.5 - 1), batch 4
bucketed by length with edge padding, AdamW lr 1e-3 wd 1e-4, linear warm-up from 1% over the
first epoch then constant, gradient norm clipped at 5, CTC (blank 0, mean reduction), no
augmentation, greedy decoding without cleanup for the dev WER. The seeds are the same numbers,
but the two frameworks draw different initial weights and batch orders from them, so parity
means "within each other's spread over seeds", not equal digits.

    /usr/bin/python3 bench/learning/parity.py CORPUS --epochs 12 --seeds 1 2 3 [--glossa ./glossa] [--work DIR]
        [--sides glossa torch] [--results FILE.json]

Each finished (side, seed) run is added to --results (default WORK/results.json) as it ends, and a
run already there with at least --epochs epochs is not trained again, so an interrupted comparison
resumes where it stopped and the sides can be run one after the other (--sides).
"""
import argparse, csv, glob, json, math, os, random, subprocess, sys, time

import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from glossa_model import GlossaModel  # noqa: E402

CONFIG = {"name": "tiny-student", "backbone": "tiny_cnn", "hidden_dim": 128, "layers": 1, "dropout": 0.1,
          "width_mult": 1, "temporal_conv": "K5-P2-K5-P2", "temporal_channels": None, "projection": False,
          "i3d_temporal_stride": 4, "i3d_final_endpoint": "Mixed_5c", "edge_pad": 6}


def variant(root):
    for name in ("phoenix-2014-multisigner", "phoenix-2014-signerindependent-SI5"):
        if os.path.isdir(os.path.join(root, name)):
            return os.path.join(root, name)
    return root


def read_split(root, split):
    manual = os.path.join(root, "annotations", "manual")
    path = os.path.join(manual, split + ".corpus.csv")
    if not os.path.exists(path):
        path = os.path.join(manual, split + ".SI5.corpus.csv")
    rows = list(csv.reader(open(path, encoding="utf-8"), delimiter="|"))[1:]
    out = []
    for r in rows:
        frames = sorted(glob.glob(os.path.join(root, "features", "fullFrame-210x260px", split, r[1])))
        out.append((frames, r[3].split()))
    return out


def load_clip(paths):
    clip = []
    for p in paths:
        im = Image.open(p).convert("RGB").resize((72, 72), Image.BILINEAR).crop((4, 4, 68, 68))
        clip.append(torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).view(64, 64, 3))
    return torch.stack(clip).permute(0, 3, 1, 2).contiguous()  # (T,H,W,3) -> (T,3,H,W)


def out_len(t):
    t += 2 * CONFIG["edge_pad"]  # first and last frame repeated (batches are padded with each clip's last frame)
    return ((t - 4) // 2 - 4) // 2  # K5-P2-K5-P2


def batches(data, seed, epoch, size=4):
    rng = random.Random(seed * 1000003 + epoch)
    order = list(range(len(data)))
    rng.shuffle(order)
    chunk = size * 8
    out = []
    for s in range(0, len(order), chunk):
        part = sorted(order[s:s + chunk], key=lambda i: data[i][0].shape[0])
        out += [part[i:i + size] for i in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def forward(model, clips):
    lens = [c.shape[0] for c in clips]
    t = max(lens)
    x = torch.stack([torch.cat([c, c[-1:].expand(t - c.shape[0], -1, -1, -1)]) for c in clips]).float() / 127.5 - 1
    b = x.shape[0]
    valid = torch.cat([torch.arange(i * t, i * t + n) for i, n in enumerate(lens)])
    flat = x.reshape(b * t, 3, 64, 64)                                  # (B,T,3,H,W) -> (B*T,3,H,W)
    feats = model.backbone.features(flat[valid]).mean(dim=(2, 3))       # (N_valid,D)
    full = torch.zeros(b * t, feats.shape[1]).index_copy(0, valid, feats).reshape(b, t, -1)  # (B,T,D)
    for i, n in enumerate(lens):  # each clip's last features fill its padding: the head's edge pad repeats them
        full[i, n:] = full[i, n - 1]
    return model.head(full), torch.tensor([out_len(n) for n in lens])


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[len(b)]


def torch_run(train, dev, vocab, seed, epochs):
    torch.manual_seed(seed)
    model = GlossaModel(dict(CONFIG, num_classes=len(vocab) + 1))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train) / 4)
    step, rows = 0, []
    for epoch in range(1, epochs + 1):
        model.train()
        losses, t0 = [], time.time()
        for batch in batches(train, seed, epoch):
            for g in opt.param_groups:
                g["lr"] = 1e-3 * (0.01 + 0.99 * (step + 1) / steps_per_epoch) if step < steps_per_epoch else 1e-3
            logits, lens = forward(model, [train[i][0] for i in batch])
            targets = [torch.tensor(train[i][1]) for i in batch]
            loss = F.ctc_loss(logits.log_softmax(-1).transpose(0, 1), torch.cat(targets), lens,
                              torch.tensor([len(t) for t in targets]), blank=0, reduction="mean")
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            losses.append(loss.item())
        model.eval()
        errors = words = 0
        with torch.no_grad():
            for clip, target in dev:
                logits, lens = forward(model, [clip])
                best = logits[0, :lens[0]].argmax(-1).tolist()
                hyp = [k for i, k in enumerate(best) if k != 0 and (i == 0 or best[i - 1] != k)]
                errors += edit_distance(target, hyp)
                words += len(target)
        rows.append((sum(losses) / len(losses), 100.0 * errors / words, time.time() - t0))
        print(f"  torch seed {seed} epoch {epoch}: loss {rows[-1][0]:.3f} dev WER {rows[-1][1]:.1f}% ({rows[-1][2]:.0f} s)", flush=True)
    return rows


def glossa_run(glossa, corpus, work, seed, epochs):
    out = os.path.join(work, f"glossa-s{seed}")
    metrics = os.path.join(out, "metrics.jsonl")
    if os.path.exists(metrics):
        # A run of this recipe with more epochs (even one stopped by hand) has the same first epochs:
        # constant rate after the warm-up, no plateau decay, no early stopping.
        rows = [json.loads(line) for line in open(metrics)]
        if len(rows) >= epochs:
            print(f"  glossa seed {seed}: first {epochs} of the {len(rows)} epochs already in {metrics}", flush=True)
            return [(r["train_loss"], r["val_wer"], r["seconds"]) for r in rows[:epochs]], True
    subprocess.run([glossa, "train", "--model", "tiny-student", "--corpus", corpus, "-o", out, "--epochs", str(epochs),
                    "--batch-size", "4", "--lr", "1e-3", "--weight-decay", "1e-4", "--warmup-epochs", "1", "--schedule", "constant",
                    "--plateau-patience", "0", "--patience", "0", "--no-augment", "--frame-size", "64", "--seed", str(seed),
                    "--threads", "2", "--cache-dir", os.path.join(work, "cache"), "--histogram-every", "0", "--overwrite", "--json"],
                   check=True, stdout=subprocess.DEVNULL)
    rows = [json.loads(line) for line in open(metrics)]
    return [(r["train_loss"], r["val_wer"], r["seconds"]) for r in rows], False


def main():
    a = argparse.ArgumentParser()
    a.add_argument("corpus")
    a.add_argument("--epochs", type=int, default=12)
    a.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    a.add_argument("--glossa", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "glossa"))
    a.add_argument("--work", default="/tmp/glossa-learning-parity")
    a.add_argument("--sides", nargs="+", choices=["glossa", "torch"], default=["glossa", "torch"])
    a.add_argument("--results", help="JSON file of finished runs (default WORK/results.json)")
    o = a.parse_args()
    os.makedirs(o.work, exist_ok=True)
    store = o.results or os.path.join(o.work, "results.json")
    saved = json.load(open(store)) if os.path.exists(store) else {}
    torch.set_num_threads(2)
    root = variant(o.corpus)
    splits = {s: read_split(root, s) for s in ("train", "dev")}
    vocab = {g: i + 1 for i, g in enumerate(sorted({g for _, gl in splits["train"] for g in gl}))}
    # A dev gloss missing from train stays in the reference (-1, never predicted), as Glossa scores it.
    data = {s: [(load_clip(f), [vocab.get(g, -1) for g in gl]) for f, gl in rows] for s, rows in splits.items()}
    results = {}
    for key, rows in saved.get("runs", {}).items():
        side, seed = key.split(":")
        results[(side, int(seed))] = [tuple(r) for r in rows]
    for seed in o.seeds:
        for side in o.sides:
            if len(results.get((side, seed), [])) >= o.epochs:
                print(f"  {side} seed {seed}: {len(results[(side, seed)])} epochs already in {store}", flush=True)
                continue
            t0, c0 = time.time(), os.times()
            reused = False
            if side == "glossa":
                results[(side, seed)], reused = glossa_run(o.glossa, o.corpus, o.work, seed, o.epochs)
            else:
                results[(side, seed)] = torch_run(data["train"], data["dev"], vocab, seed, o.epochs)
            c1 = os.times()
            saved.setdefault("runs", {})[f"{side}:{seed}"] = results[(side, seed)]
            if reused:                                   # cost unknown here: it was paid by the earlier run
                json.dump(saved, open(store, "w"), indent=1)
                continue
            cpu = (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
            print(f"  {side} seed {seed}: {o.epochs} epochs, {time.time() - t0:.0f} s wall, {cpu:.0f} CPU-s, load {os.getloadavg()[0]:.1f}", flush=True)
            saved.setdefault("cost", {})[f"{side}:{seed}"] = {"wall_s": round(time.time() - t0, 1), "cpu_s": round(cpu, 1),
                                                              "load_at_end": os.getloadavg()[0]}
            json.dump(saved, open(store, "w"), indent=1)
    head = " | ".join(f"{side} s{seed} loss / WER" for side in ("glossa", "torch") for seed in o.seeds)
    print(f"| epoch | {head} |")
    print("|---|" + "---|" * (2 * len(o.seeds)))
    for e in range(o.epochs):
        cells = []
        for side in ("glossa", "torch"):
            for seed in o.seeds:
                r = results.get((side, seed), [])
                cells.append(f"{r[e][0]:.2f} / {r[e][1]:.1f}" if e < len(r) else "-")
        print(f"| {e + 1} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
