#!/usr/bin/python3
"""Learning parity: the same model and recipe trained in Glossa (`glossa train`) and in PyTorch
(Debian's python3-torch, the model of bench/parity/glossa_model.py built from Glossa's own model
config) on the same PHOENIX-layout corpus and seeds; prints per-epoch train loss and greedy dev
WER side by side.

Recipe on both sides: tiny-student at 64x64 (each frame resized to 64x64, x/127.5 - 1), batch 4
bucketed by length with edge padding, AdamW lr 1e-3 wd 1e-4, linear warm-up from 1% over the
first epoch then constant, gradient norm clipped at 5, CTC (blank 0, mean reduction), no
augmentation, greedy decoding without cleanup for the dev WER. The seeds are the same numbers,
but the two frameworks draw different initial weights and batch orders from them, so parity
means "within each other's spread over seeds", not equal digits.

With --coupled, each seed means the same start on both sides: PyTorch draws the initial weights
(torch.manual_seed(seed)) and saves them, Glossa starts from them (--pretrained), both take their
batches in Glossa's order (a port of Glossa's ClipRandom and BatchPlanner: xoshiro256** seeded by
(seed, epoch), shuffle, length-sorted chunks of 50 batches, shuffled batches), and dropout is off
on both sides (the masks cannot be shared). What is left to differ is the arithmetic (libtorch 2.10
against PyTorch 1.13, frame resizing), so per-epoch losses show how closely one framework's training
tracks the other's from the same start, and how far rounding carries them apart.

    /usr/bin/python3 bench/learning/parity.py CORPUS --epochs 12 --seeds 1 2 3 [--glossa ./glossa] [--work DIR]
        [--sides glossa torch] [--results FILE.json] [--coupled]

Each finished (side, seed) run is added to --results (default WORK/results.json) as it ends, and a
run already there with at least --epochs epochs is not trained again, so an interrupted comparison
resumes where it stopped and the sides can be run one after the other (--sides).
"""
import argparse, csv, glob, json, math, os, random, subprocess, sys, time

# PyTorch at its best here: under glibc malloc every step faults its freed buffers back in, which
# made a demo-recipe step 18x slower (2.5 s against 0.14 s, 2026-12-07); Glossa's launcher preloads
# jemalloc the same way. GLOSSA_NO_JEMALLOC=1 keeps glibc.
JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"
if __name__ == "__main__" and os.path.exists(JEMALLOC) and JEMALLOC not in os.environ.get("LD_PRELOAD", "") and not os.environ.get("GLOSSA_NO_JEMALLOC"):
    os.environ["LD_PRELOAD"] = JEMALLOC + (":" + os.environ["LD_PRELOAD"] if os.environ.get("LD_PRELOAD") else "")
    os.environ.setdefault("MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from glossa_model import GlossaModel, clip_normalised  # noqa: E402

CONFIG = {"name": "tiny-student", "backbone": "tiny_cnn", "hidden_dim": 128, "layers": 1, "dropout": 0.1,
          "width_mult": 1, "temporal_conv": "K5-P2-K5-P2", "temporal_channels": None, "projection": False,
          "i3d_temporal_stride": 4, "i3d_final_endpoint": "Mixed_5c", "edge_pad": 6}
# --recipe demo: the model and objective of `glossa demo` (DemoRecipe): the grid student reading each clip
# normalised as a whole, its features normalised per clip, and VAC's CTC loss on the temporal-conv features.
DEMO = dict(CONFIG, name="tiny-grid-student", backbone="tiny_cnn_grid", input_norm="clip", feature_norm="clip", conv_head="linear")
CONV_CTC_WEIGHT = 1.0


def variant(root):
    for name in ("phoenix-2014-multisigner", "phoenix-2014-signerindependent-SI5"):
        if os.path.isdir(os.path.join(root, name)):
            return os.path.join(root, name)
    return root


def fail(message):
    sys.exit(f"parity.py: error: {message}")


def read_split(root, split):
    manual = os.path.join(root, "annotations", "manual")
    names = [os.path.join(manual, split + ".corpus.csv"), os.path.join(manual, split + ".SI5.corpus.csv")]
    path = next((n for n in names if os.path.exists(n)), None)
    if path is None:
        fail(f"{root}: no {split} split ({' or '.join(names)} missing); give a PHOENIX-2014 layout corpus, e.g. from 'glossa synth DIR'")
    rows = list(csv.reader(open(path, encoding="utf-8"), delimiter="|"))[1:]
    out = []
    for line, r in enumerate(rows, start=2):
        if len(r) < 4:
            fail(f"{path}:{line}: expected id|folder|signer|annotation, got {len(r)} fields")
        frames = sorted(glob.glob(os.path.join(root, "features", "fullFrame-210x260px", split, r[1])))
        if not frames:
            fail(f"{path}:{line}: no frames match {os.path.join(root, 'features', 'fullFrame-210x260px', split, r[1])}")
        out.append((frames, r[3].split()))
    if not out:
        fail(f"{path}: the {split} split has no sentences")
    return out


def load_clip(paths):
    # Glossa without augmentation resizes each frame straight to the frame size (no crop; its
    # linear-mipmap resize is within 0.7 grey levels on average of PIL's antialiased bilinear).
    clip = []
    for p in paths:
        im = Image.open(p).convert("RGB").resize((64, 64), Image.BILINEAR)
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


MASK = (1 << 64) - 1


def _mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


class ClipRandom:
    """Glossa's Frames/ClipRandom: xoshiro256** seeded through SplitMix64 from (seed, epoch, sample)."""

    def __init__(self, seed, epoch, sample):
        u32 = lambda v: v & 0xFFFFFFFF
        x = _mix(((u32(seed) * 0x9E3779B97F4A7C15) & MASK) ^ _mix((u32(epoch) + 0x632BE59BD9B4E019) & MASK)
                 ^ ((_mix(u32(sample) ^ 0xD1B54A32D192ED03) + 1) & MASK))
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            self.s.append(_mix(x))

    def next64(self):
        s0, s1, s2, s3 = self.s
        rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & MASK
        result = (rotl((s1 * 5) & MASK, 7) * 9) & MASK
        t = (s1 << 17) & MASK
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def next(self, n):
        return ((self.next64() >> 33) * n) >> 31

    def shuffle(self, items):
        for i in range(len(items) - 1, 0, -1):
            j = self.next(i + 1)
            items[i], items[j] = items[j], items[i]


def glossa_batches(data, seed, epoch, size=4, chunk_batches=50, max_frames=300):
    """Glossa's Frames/BatchPlanner for training (epoch 1-based)."""
    lengths = [min(clip.shape[0], max_frames) for clip, _ in data]
    rng = ClipRandom(seed, epoch, -1)
    order = list(range(len(data)))
    rng.shuffle(order)
    chunk = size * chunk_batches
    out = []
    for s in range(0, len(order), chunk):
        part = sorted(order[s:s + chunk], key=lambda i: lengths[i])  # stable, as Glossa's OrderBy
        out += [part[i:i + size] for i in range(0, len(part), size)]
    rng.shuffle(out)
    return out


def forward(model, clips, channels_last=False):
    """A padded batch as Glossa runs it: each clip normalised over its own frames, the backbone on the
    valid frames only, per-clip feature normalisation and edge padding over the valid features.
    Returns (logits, conv logits or None, output lengths)."""
    lens = [c.shape[0] for c in clips]
    t = max(lens)
    scaled = [c.float() / 127.5 - 1 for c in clips]                     # (T,3,H,W) each
    if model.input_norm == "clip":
        scaled = [clip_normalised(c.unsqueeze(0))[0] for c in scaled]
    frames = torch.cat(scaled)                                          # (N_valid,3,H,W)
    if channels_last:
        frames = frames.contiguous(memory_format=torch.channels_last)
    feats = model.backbone.pooled(model.backbone.features(frames))      # (N_valid,D)
    parts = torch.split(feats, lens)
    full = torch.stack([torch.cat([p, p[-1:].expand(t - p.shape[0], -1)]) for p in parts])  # (B,T,D), padding = last features
    out = torch.tensor([out_len(n) for n in lens])
    logits, conv = model.head(full, out, feature_lengths=lens, with_conv=True)
    return logits, conv, out


def edit_distance(a, b):
    d = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, d[0] = d[0], i
        for j, y in enumerate(b, 1):
            prev, d[j] = d[j], min(d[j] + 1, d[j - 1] + 1, prev + (x != y))
    return d[len(b)]


def initial_model(config, vocab, seed, coupled):
    torch.manual_seed(seed)
    return GlossaModel(dict(config, num_classes=len(vocab) + 1, dropout=0.0 if coupled else config["dropout"]))


def ctc(logits, lens, targets):
    return F.ctc_loss(logits.log_softmax(-1).transpose(0, 1), torch.cat(targets), lens,
                      torch.tensor([len(t) for t in targets]), blank=0, reduction="mean")


def torch_run(config, train, dev, vocab, seed, epochs, coupled, channels_last=False):
    model = initial_model(config, vocab, seed, coupled)
    if channels_last:                      # as Glossa runs its tiny CNN: the same weights, another memory layout
        model.backbone.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(train) / 4)
    step, rows = 0, []
    for epoch in range(1, epochs + 1):
        model.train()
        losses, t0 = [], time.time()
        for batch in (glossa_batches if coupled else batches)(train, seed, epoch):
            for g in opt.param_groups:
                g["lr"] = 1e-3 * (0.01 + 0.99 * (step + 1) / steps_per_epoch) if step < steps_per_epoch else 1e-3
            logits, conv, lens = forward(model, [train[i][0] for i in batch], channels_last)
            targets = [torch.tensor(train[i][1]) for i in batch]
            loss = ctc(logits, lens, targets)                    # the main CTC term: Glossa's train_loss
            total = loss if conv is None else loss + CONV_CTC_WEIGHT * ctc(conv, lens, targets)
            opt.zero_grad()
            total.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            step += 1
            losses.append(loss.item())
        model.eval()
        errors = words = 0
        with torch.no_grad():
            for clip, target in dev:
                logits, _, lens = forward(model, [clip], channels_last)
                best = logits[0, :lens[0]].argmax(-1).tolist()
                hyp = [k for i, k in enumerate(best) if k != 0 and (i == 0 or best[i - 1] != k)]
                errors += edit_distance(target, hyp)
                words += len(target)
        rows.append((sum(losses) / len(losses), 100.0 * errors / words, time.time() - t0))
        print(f"  torch{'-cl' if channels_last else ''} seed {seed} epoch {epoch}: loss {rows[-1][0]:.3f} dev WER {rows[-1][1]:.1f}% ({rows[-1][2]:.0f} s)", flush=True)
    return rows


def glossa_run(config, glossa, corpus, work, seed, epochs, init=None):
    demo = config is DEMO
    out = os.path.join(work, f"glossa-{'coupled-' if init else ''}{'demo-' if demo else ''}s{seed}")
    metrics = os.path.join(out, "metrics.jsonl")
    if os.path.exists(metrics):
        # A run of this recipe with more epochs (even one stopped by hand) has the same first epochs:
        # constant rate after the warm-up, no plateau decay, no early stopping.
        rows = [json.loads(line) for line in open(metrics)]
        if len(rows) >= epochs:
            print(f"  glossa seed {seed}: first {epochs} of the {len(rows)} epochs already in {metrics}", flush=True)
            return [(r["train_loss"], r["val_wer"], r["seconds"]) for r in rows[:epochs]], True
    recipe = ["--input-norm", "clip", "--feature-norm", "clip", "--conv-ctc-weight", str(CONV_CTC_WEIGHT)] if demo else []
    done = subprocess.run([glossa, "train", "--model", config["name"], "--corpus", corpus, "-o", out, "--epochs", str(epochs),
                    "--batch-size", "4", "--lr", "1e-3", "--weight-decay", "1e-4", "--warmup-epochs", "1", "--schedule", "constant",
                    "--plateau-patience", "0", "--patience", "0", "--no-augment", "--frame-size", "64", "--seed", str(seed),
                    "--threads", "2", "--cache-dir", os.path.join(work, "cache"), "--histogram-every", "0", "--overwrite", "--json"]
                   + recipe + (["--pretrained", init, "--dropout", "0"] if init else []),
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0 or not os.path.exists(metrics):
        said = (done.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        fail(f"{glossa} train (seed {seed}) exited {done.returncode} without {metrics}: {said}")
    rows = [json.loads(line) for line in open(metrics)]
    return [(r["train_loss"], r["val_wer"], r["seconds"]) for r in rows], False


def main():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("corpus", help="a PHOENIX-2014 layout corpus (its root, or the phoenix-2014-multisigner / -SI5 folder in it) with train and dev splits")
    a.add_argument("--epochs", type=int, default=12, help="epochs per run (default 12)")
    a.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="seeds per side (default 1 2 3)")
    a.add_argument("--glossa", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "glossa"),
                   help="the glossa launcher (default: ./glossa of this checkout)")
    a.add_argument("--work", default="/tmp/glossa-learning-parity", help="folder of the runs, the frame cache and results.json (default /tmp/glossa-learning-parity)")
    a.add_argument("--sides", nargs="+", choices=["glossa", "torch", "torch-cl"], default=["glossa", "torch"],
                   help="torch-cl: a control, PyTorch again with its backbone in channels-last memory (as Glossa's), which"
                        " changes only the rounding: how far PyTorch lands from itself")
    a.add_argument("--results", help="JSON file of finished runs (default WORK/results.json; -coupled and -demo are added to the name with those options)")
    a.add_argument("--coupled", action="store_true", help="same initial weights and batch order on both sides for each seed, dropout off")
    a.add_argument("--recipe", choices=["tiny", "demo"], default="tiny",
                   help="tiny (default): tiny-student, plain CTC. demo: the model and objective of 'glossa demo' (tiny-grid-student,"
                        " clip-normalised input and features, VAC's conv-CTC term at weight 1); the schedule and augmentation stay as above")
    o = a.parse_args()
    config = DEMO if o.recipe == "demo" else CONFIG
    if o.epochs < 1:
        fail(f"--epochs must be at least 1 (got {o.epochs})")
    if not os.path.isdir(o.corpus):
        fail(f"{o.corpus}: {'a file, not a corpus folder' if os.path.exists(o.corpus) else 'corpus folder not found'}")
    if "glossa" in o.sides and not os.access(o.glossa, os.X_OK):
        fail(f"--glossa {o.glossa}: not an executable; give the glossa launcher of a checkout")
    try:
        os.makedirs(o.work, exist_ok=True)
    except OSError as e:
        fail(f"--work {o.work}: cannot create it ({e.strerror}); give a writable folder")
    store = o.results or os.path.join(o.work, f"results{'-coupled' if o.coupled else ''}{'-demo' if o.recipe == 'demo' else ''}.json")
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
                init = None
                if o.coupled:                            # PyTorch's initial weights of this seed, in Glossa's key names
                    init = os.path.join(o.work, f"init-{o.recipe}-s{seed}.pt")
                    torch.save(initial_model(config, vocab, seed, True).state_dict(), init)
                results[(side, seed)], reused = glossa_run(config, o.glossa, o.corpus, o.work, seed, o.epochs, init)
            else:
                results[(side, seed)] = torch_run(config, data["train"], data["dev"], vocab, seed, o.epochs, o.coupled, side == "torch-cl")
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
    print_table({k: v for k, v in results.items() if k[0] in o.sides or k[0] == "torch"}, o.seeds, o.epochs, o.coupled)


def print_table(results, seeds, epochs, coupled):
    """Markdown: each run's train loss / dev WER per epoch; for Glossa (and the channels-last control,
    when run), how many seeds' dev WER lie inside PyTorch's min-max and whether their mean does (a
    closing line per side counts the epochs), and with --coupled the largest
    train-loss difference from PyTorch's run of the same seed."""
    sides = [side for side in ("glossa", "torch", "torch-cl") if any((side, s) in results for s in seeds)]
    checked = [side for side in sides if side != "torch"]
    names = {"glossa": "Glossa", "torch-cl": "PyTorch channels-last"}
    extra = ["PyTorch's dev WER range"] + [f"{names[side]}: seeds inside it; mean" for side in checked]
    if coupled:
        extra += [f"{names[side]}: largest loss difference, same seed" for side in checked]
    head = [f"{side} s{seed} loss / WER" for side in sides for seed in seeds] + extra
    print("| epoch | " + " | ".join(head) + " |")
    print("|---|" + "---|" * len(head))
    tally = {side: [0, 0, 0] for side in checked}   # epochs with every seed inside, with the mean inside, compared
    for e in range(epochs):
        row = {(side, seed): results[(side, seed)][e] for side in sides for seed in seeds if len(results.get((side, seed), [])) > e}
        cells = [f"{row[(side, seed)][0]:.3f} / {row[(side, seed)][1]:.1f}" if (side, seed) in row else "-" for side in sides for seed in seeds]
        reference = [row[("torch", s)][1] for s in seeds if ("torch", s) in row]
        lo, hi = (min(reference), max(reference)) if reference else (math.nan, math.nan)
        cells.append(f"{lo:.1f}-{hi:.1f}" if reference else "-")
        for side in checked:
            wers = [row[(side, s)][1] for s in seeds if (side, s) in row]
            if not (reference and wers):
                cells.append("-")
                continue
            mean = sum(wers) / len(wers)
            seeds_in, mean_in = sum(lo - 1e-9 <= w <= hi + 1e-9 for w in wers), lo - 1e-9 <= mean <= hi + 1e-9
            cells.append(f"{seeds_in} of {len(wers)}; {mean:.1f} {'inside' if mean_in else 'outside'}")
            tally[side][0] += seeds_in == len(wers)
            tally[side][1] += mean_in
            tally[side][2] += 1
        if coupled:
            for side in checked:
                diffs = [abs(row[(side, s)][0] - row[("torch", s)][0]) for s in seeds if (side, s) in row and ("torch", s) in row]
                cells.append(f"{max(diffs):.3f}" if diffs else "-")
        print(f"| {e + 1} | " + " | ".join(cells) + " |")
    print()
    for side in checked:
        every, mean, compared = tally[side]
        print(f"{names[side]}: mean dev WER of its seeds inside PyTorch's min-max at {mean} of {compared} epochs; every seed inside at {every} of {compared}")

if __name__ == "__main__":
    main()
