#!/usr/bin/python3
"""Floating-point operations of one training step of the architectures `glossa model bench` times,
counted on the PyTorch reference models of bench_models.py (same layers as Glossa's, checked by the
parity tests) with forward hooks. Prints one JSON object per model and size.

Counted: convolutions (1D/2D/3D, grouped and depthwise), linear layers and LSTMs, as 2 FLOPs per
multiply-add; BatchNorm, activations, pooling, squeeze-excitation scaling, softmax and CTC are left
out (memory-bound elementwise work, a few percent of the FLOPs). A training step is taken as 3x the
forward FLOPs (backward: one product for the input gradient and one for the weight gradient per
layer), the usual approximation; AdamW's per-parameter work is left out.

    /usr/bin/python3 bench/models/flops.py --models mobilenetv3-student,i3d-teacher --sizes 112,224 \
        --batch 2 --frames 64
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_models import Recogniser  # noqa: E402


def conv_flops(module, inputs, output):
    # Each output element needs (in_channels / groups) x kernel volume multiply-adds.
    kernel = 1
    for k in module.kernel_size:
        kernel *= k
    per_output = (module.in_channels // module.groups) * kernel
    return 2 * output.numel() * per_output + (output.numel() if module.bias is not None else 0)


def linear_flops(module, inputs, output):
    return 2 * output.numel() * module.in_features + (output.numel() if module.bias is not None else 0)


def lstm_flops(module, inputs, output):
    x = inputs[0]
    batch, steps = (x.shape[0], x.shape[1]) if module.batch_first else (x.shape[1], x.shape[0])
    directions = 2 if module.bidirectional else 1
    total = 0
    size_in = module.input_size
    for _ in range(module.num_layers):
        # Four gates: W_ih x + W_hh h per step and direction.
        total += directions * batch * steps * 2 * 4 * module.hidden_size * (size_in + module.hidden_size)
        size_in = module.hidden_size * directions
    return total


def forward_flops(model, frames):
    counted = []
    hooks = []
    for m in model.modules():
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            hooks.append(m.register_forward_hook(lambda mod, i, o: counted.append(conv_flops(mod, i, o))))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(lambda mod, i, o: counted.append(linear_flops(mod, i, o))))
        elif isinstance(m, nn.LSTM):
            hooks.append(m.register_forward_hook(lambda mod, i, o: counted.append(lstm_flops(mod, i, o))))
    with torch.no_grad():
        model(frames)
    for h in hooks:
        h.remove()
    return sum(counted)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="mobilenetv3-student,i3d-teacher")
    p.add_argument("--sizes", default="112,224")
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--frames", type=int, default=64)
    p.add_argument("--classes", type=int, default=1296)
    a = p.parse_args()
    torch.set_num_threads(2)
    for name in a.models.split(","):
        model = Recogniser(name, a.classes).eval()
        for size in (int(s) for s in a.sizes.split(",")):
            frames = torch.zeros(a.batch, a.frames, 3, size, size)
            fwd = forward_flops(model, frames)
            print(json.dumps({"model": name, "size": size, "batch": a.batch, "frames": a.frames,
                              "forward_gflop": fwd / 1e9, "train_step_gflop": 3 * fwd / 1e9}))


if __name__ == "__main__":
    main()
