#!/usr/bin/python3
"""PyTorch side of `glossa model bench`: the same architectures as Glossa's named configurations,
timed the same way (median of training steps = forward + CTC + backward + AdamW, or eval-mode
forwards, after warm-up). Prints one JSON object.

    /usr/bin/python3 bench/models/bench_models.py --model mobilenetv3-student --size 224 \
        --batch 2 --frames 64 --threads 2 --warmup 1 --steps 3 --mode train
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torchvision
import torch.nn.utils.fusion  # noqa: F401  (fuse_conv_bn_eval for --fold-channels-last)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "parity"))
from make_reference import I3D  # noqa: E402  (pytorch-i3d layout, same as the parity reference)


class TemporalConv(nn.Module):
    """VAC's K5-P2-K5-P2 block (no padding)."""

    def __init__(self, cin, channels):
        super().__init__()
        self.blocks = nn.Sequential(
            nn.Conv1d(cin, channels, 5), nn.BatchNorm1d(channels), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(channels, channels, 5), nn.BatchNorm1d(channels), nn.ReLU(), nn.MaxPool1d(2))

    def forward(self, x):
        return self.blocks(x)


class Recogniser(nn.Module):
    """backbone -> [projection] -> [temporal conv] -> BiLSTM -> classifier, as Glossa's CslrModel."""

    def __init__(self, name, classes):
        super().__init__()
        self.per_frame = name != "i3d-teacher"
        if name == "i3d-teacher":
            hidden, layers, dropout = 512, 2, 0.3
            self.backbone = I3D(num_classes=400, temporal_stride=4)
            del self.backbone.logits
            self.projection = nn.Linear(1024, 2 * hidden)
            self.temporal_conv = None
            width = 2 * hidden
        elif name == "resnet18-vac":
            # VAC: torchvision's ResNet-18 without its head, 1024-channel temporal conv, 2-layer
            # BiLSTM 512/dir, and the temporal-conv classifier (computed, outside the loss, as in Glossa).
            hidden, layers, dropout = 512, 2, 0.2
            net = torchvision.models.resnet18()
            self.backbone = nn.Sequential(*list(net.children())[:-2])
            self.projection = None
            self.temporal_conv = TemporalConv(512, 2 * hidden)
            self.conv_classifier = nn.Linear(2 * hidden, classes)
            width = 2 * hidden
        else:
            large = name == "mobilenetv3-student"
            hidden, layers, dropout = (256, 2, 0.2) if large else (128, 1, 0.2)
            net = torchvision.models.mobilenet_v3_large() if large else torchvision.models.mobilenet_v3_small()
            self.backbone = net.features
            self.projection = None
            self.temporal_conv = TemporalConv(960 if large else 576, hidden)
            width = hidden
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(width, hidden, num_layers=layers, batch_first=True, bidirectional=True,
                            dropout=dropout if layers > 1 else 0)
        self.classifier = nn.Linear(2 * hidden, classes)

    def forward(self, frames):
        return head_of(self, features_of(self, frames))


def features_of(model, frames):
    b, t = frames.shape[:2]
    if model.per_frame:
        return model.backbone(frames.reshape(b * t, *frames.shape[2:])).mean(dim=(2, 3)).reshape(b, t, -1)
    return model.backbone.features(frames.permute(0, 2, 1, 3, 4)).transpose(1, 2)


def head_of(model, f):
    x = model.dropout(f)
    if model.projection is not None:
        x = model.projection(x)
    if model.temporal_conv is not None:
        x = model.temporal_conv(x.transpose(1, 2)).transpose(1, 2)
    if hasattr(model, "conv_classifier"):
        model.conv_classifier(x)
    x, _ = model.lstm(x)
    return model.classifier(model.dropout(x))


def fold_batchnorm(module):
    """Replaces every Conv2d -> BatchNorm2d pair of a Sequential by the folded convolution (eval only)."""
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Sequential):
            kids, out, i = list(child.children()), [], 0
            while i < len(kids):
                if isinstance(kids[i], nn.Conv2d) and i + 1 < len(kids) and isinstance(kids[i + 1], nn.BatchNorm2d):
                    out.append(torch.nn.utils.fusion.fuse_conv_bn_eval(kids[i], kids[i + 1]))
                    i += 2
                    continue
                fold_batchnorm(kids[i])
                out.append(kids[i])
                i += 1
            setattr(module, name, nn.Sequential(*out))
        else:
            fold_batchnorm(child)


def profile(model, frames, a):
    """Medians of the parts of a training step, as ModelBenchmark.Profile in C#."""
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    parts = {"backbone_forward": [], "backbone_forward_backward": [], "head_forward_backward": [], "adamw_step": []}
    for i in range(a.warmup + a.steps):
        t0 = time.perf_counter()
        with torch.no_grad():
            features_of(model, frames).sum().item()
        t1 = time.perf_counter()
        f = features_of(model, frames)
        f.sum().backward()
        t2 = time.perf_counter()
        g = f.detach().requires_grad_(True)
        logits = head_of(model, g)
        t_out = logits.shape[1]
        label = max(1, min(10, t_out // 2))
        loss = nn.functional.ctc_loss(logits.log_softmax(2).transpose(0, 1), torch.randint(1, a.classes, (a.batch * label,)),
                                      torch.full((a.batch,), t_out, dtype=torch.long), torch.full((a.batch,), label, dtype=torch.long),
                                      zero_infinity=True)
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        opt.zero_grad()
        t4 = time.perf_counter()
        if i >= a.warmup:
            for k, v in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                parts[k].append(v * 1000)
    return {k: statistics.median(v) for k, v in parts.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--size", type=int, default=112)
    p.add_argument("--batch", type=int, default=2)
    p.add_argument("--frames", type=int, default=64)
    p.add_argument("--classes", type=int, default=1296)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--mode", choices=["train", "infer", "profile"], default="train")
    p.add_argument("--fold-channels-last", action="store_true",
                   help="infer: fold BatchNorm into the convolutions and run channels-last (what Glossa's inference path does)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Recogniser(a.model, a.classes)
    frames = torch.rand(a.batch, a.frames, 3, a.size, a.size) * 2 - 1
    samples = []
    if a.mode == "train":
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
        for i in range(a.warmup + a.steps):
            start = time.perf_counter()
            opt.zero_grad()
            logits = model(frames)
            t_out = logits.shape[1]
            label = max(1, min(10, t_out // 2))
            targets = torch.randint(1, a.classes, (a.batch * label,))
            log_probs = logits.log_softmax(2).transpose(0, 1)
            loss = nn.functional.ctc_loss(log_probs, targets, torch.full((a.batch,), t_out, dtype=torch.long),
                                          torch.full((a.batch,), label, dtype=torch.long), zero_infinity=True)
            loss.backward()
            opt.step()
            loss.item()
            if i >= a.warmup:
                samples.append((time.perf_counter() - start) * 1000)
    elif a.mode == "profile":
        print(json.dumps(profile(model, frames, a)))
        return
    else:
        model.eval()
        if a.fold_channels_last:
            fold_batchnorm(model)
            model = model.to(memory_format=torch.channels_last)
            frames = frames.reshape(-1, *frames.shape[2:]).contiguous(memory_format=torch.channels_last).reshape(frames.shape)
        with torch.no_grad():
            for i in range(a.warmup + a.steps):
                start = time.perf_counter()
                model(frames).sum().item()
                if i >= a.warmup:
                    samples.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"median_ms": statistics.median(samples), "samples_ms": samples,
                      "parameters": sum(p.numel() for p in model.parameters()), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
