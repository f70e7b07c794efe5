#!/usr/bin/python3
"""Reference frame loader for the Glossa loader benchmark (run with Debian's /usr/bin/python3).

Does the same work as Glossa's BatchLoader in evaluation mode, the way the peers' PyTorch
loaders do it: PIL decode -> RGB -> bilinear resize to 256x256 -> centre crop 224 ->
float32 x/127.5-1 -> (T,3,224,224) array per clip -> torch tensor (1,T,3,224,224).
Clips are spread over a thread pool (PIL and numpy release the GIL) or a process pool.

  --generate DIR [--clips 20 --frames 20]   write synthetic 210x260 PNG clips (textured, not flat)
  --dir DIR --threads N [--pool thread|process] [--reps K] [--json]   measure frames per second
"""
import argparse, json, os, sys, time
from concurrent.futures import ThreadPoolExecutor, ProcessPoolExecutor

import numpy as np
from PIL import Image

RESIZE, CROP = 256, 224


def generate(root, clips, frames, seed=1):
    """Textured synthetic frames: a lit background gradient, a moving 'signer' blob with
    sensor-like noise, so PNG compression behaves like real video frames, not flat colour."""
    rng = np.random.default_rng(seed)
    h, w = 260, 210
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for c in range(clips):
        d = os.path.join(root, f"clip{c:03d}")
        os.makedirs(d, exist_ok=True)
        base = np.stack([90 + 60 * xx / w, 70 + 80 * yy / h, 110 + 40 * np.sin(xx / 17 + c)], axis=-1)
        for t in range(frames):
            cx, cy = 105 + 40 * np.sin((t + c) / 6), 120 + 30 * np.cos((t + 2 * c) / 5)
            blob = np.exp(-(((xx - cx) / 35) ** 2 + ((yy - cy) / 55) ** 2))[..., None]
            hands = np.exp(-(((xx - cx - 45 * np.sin(t / 3)) / 12) ** 2 + ((yy - cy + 20) / 12) ** 2))[..., None]
            img = base * (1 - blob) + blob * np.array([200, 160, 140]) + hands * 60
            img += rng.normal(0, 4, img.shape)
            Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(os.path.join(d, f"images{t + 1:04d}.png"))


def load_clip(paths):
    off = (RESIZE - CROP) // 2
    out = np.empty((len(paths), 3, CROP, CROP), dtype=np.float32)
    for i, p in enumerate(paths):
        with Image.open(p) as im:
            im = im.convert("RGB").resize((RESIZE, RESIZE), Image.BILINEAR)
        a = np.asarray(im)[off:off + CROP, off:off + CROP]
        out[i] = (a.astype(np.float32) / 127.5 - 1.0).transpose(2, 0, 1)
    return out


def clips_of(root):
    dirs = sorted(os.path.join(root, d) for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    return [sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".png")) for d in dirs]


def run_once(clips, threads, pool):
    import torch
    start, cpu = time.perf_counter(), time.process_time()
    if threads == 1:
        arrays = map(load_clip, clips)
        for a in arrays:
            torch.from_numpy(a).unsqueeze(0)
    else:
        Pool = ThreadPoolExecutor if pool == "thread" else ProcessPoolExecutor
        with Pool(threads) as ex:
            for a in ex.map(load_clip, clips):
                torch.from_numpy(a).unsqueeze(0)
    # Process pools: the workers' CPU time is not ours; only thread/single runs report CPU.
    return time.perf_counter() - start, (time.process_time() - cpu if pool == "thread" or threads == 1 else float("nan"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--generate")
    ap.add_argument("--clips", type=int, default=20)
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--dir")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--pool", choices=["thread", "process"], default="thread")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.generate:
        generate(args.generate, args.clips, args.frames)
        return
    import torch
    torch.set_num_threads(1)
    clips = clips_of(args.dir)
    frames = sum(len(c) for c in clips)
    load_clip(clips[0][:2])  # warm-up: imports, codec init
    runs = [run_once(clips, args.threads, args.pool) for _ in range(args.reps)]
    fps = [frames / wall for wall, _ in runs]
    cpu_ms = [1000 * cpu / frames for _, cpu in runs]
    if args.json:
        print(json.dumps({"frames": frames, "threads": args.threads, "pool": args.pool, "fps": fps,
                          "cpu_ms_per_frame": [c if c == c else None for c in cpu_ms]}))
    else:
        for f in fps:
            print(f"{f:.1f} frames/s ({args.threads} {args.pool}s)")


if __name__ == "__main__":
    main()
