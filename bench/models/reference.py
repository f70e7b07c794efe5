#!/usr/bin/python3
"""Runs bench_models.py in every allocator configuration a PyTorch user could pick, interleaved
(A, B, C, A, B, C, ...), and reports each configuration's median and the fastest one. Prints one
JSON object; its top-level "median_ms" is the fastest configuration's (the anchor for ratios).

    /usr/bin/python3 bench/models/reference.py --rounds 3 -- --model mobilenetv3-student --size 224 \
        --batch 1 --frames 64 --threads 2 --warmup 1 --steps 1 --mode infer

Configurations (same thread count in all):
  default   glibc malloc as the system ships it (LD_PRELOAD removed)
  jemalloc  LD_PRELOAD=libjemalloc.so.2, MALLOC_CONF=dirty_decay_ms:-1,muzzy_decay_ms:-1 (what ./glossa uses)
  tuned     glibc with MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 MALLOC_TOP_PAD_=1000000000
            (freed blocks stay in the heap, so libtorch's per-step buffers are not faulted in again)
A configuration whose library is missing (no jemalloc installed) is reported as skipped.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
JEMALLOC = ["/usr/lib/x86_64-linux-gnu/libjemalloc.so.2", "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2"]
GLIBC_KNOBS = ("MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_CONF")


def environment(name):
    """The environment of one configuration, or None when it cannot run here."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and k not in GLIBC_KNOBS}
    if name == "default":
        return env
    if name == "jemalloc":
        lib = next((p for p in JEMALLOC if os.path.exists(p)), None)
        if lib is None:
            return None
        env.update(LD_PRELOAD=lib, MALLOC_CONF="dirty_decay_ms:-1,muzzy_decay_ms:-1")
        return env
    if name == "tuned":
        env.update(MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_="100000000000", MALLOC_TOP_PAD_="1000000000")
        return env
    raise SystemExit(f"reference.py: unknown configuration '{name}'; use default, jemalloc or tuned")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--configs", default="default,jemalloc,tuned")
    p.add_argument("--rounds", type=int, default=2, help="processes per configuration, interleaved")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("rest", nargs=argparse.REMAINDER, help="-- then bench_models.py arguments")
    a = p.parse_args()
    rest = a.rest[1:] if a.rest[:1] == ["--"] else a.rest
    names = [c.strip() for c in a.configs.split(",") if c.strip()]
    envs = {n: environment(n) for n in names}
    samples = {n: [] for n in names}
    info = {}
    for _ in range(a.rounds):
        for n in names:
            if envs[n] is None:
                continue
            r = subprocess.run([a.python, os.path.join(HERE, "bench_models.py"), *rest], env=envs[n],
                               capture_output=True, text=True)
            if r.returncode != 0:
                last = (r.stderr.strip().splitlines() or ["no message"])[-1]
                raise SystemExit(f"reference.py: bench_models.py failed in configuration {n}: {last}")
            out = json.loads(r.stdout)
            samples[n].extend(out["samples_ms"])
            info = {k: out[k] for k in ("parameters", "torch") if k in out}
    configs = {n: ({"median_ms": statistics.median(v), "samples_ms": v} if v else {"skipped": "library missing"})
               for n, v in samples.items()}
    ran = {n: c["median_ms"] for n, c in configs.items() if "median_ms" in c}
    if not ran:
        raise SystemExit("reference.py: no configuration could run")
    best = min(ran, key=ran.get)
    print(json.dumps({"median_ms": ran[best], "best": best, "configs": configs, **info}))


if __name__ == "__main__":
    main()
