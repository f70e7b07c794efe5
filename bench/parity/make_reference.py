#!/usr/bin/python3
"""Reference weights, inputs and outputs for Glossa's model parity tests.

Run with Debian's PyTorch (torch 1.13, torchvision 0.14):
    /usr/bin/python3 bench/parity/make_reference.py OUT_DIR
writes into OUT_DIR (never into git):
    mobilenet_v3_large.safetensors, mobilenet_v3_small.pt   torchvision state dicts (random weights, seed 0,
                                                            BatchNorm statistics randomised so eval mode is not trivial)
    i3d.pt, i3d_legacy.pt                                   state dict of an InceptionI3d in pytorch-i3d's layout (400 logits),
                                                            zip and legacy (pre-1.6, like rgb_imagenet.pt) formats
    io.pt                                                   inputs and eval-mode outputs of all three
    /usr/bin/python3 bench/parity/make_reference.py --check-export FILE OUT_DIR
loads FILE (a state dict Glossa exported) strictly into torchvision's MobileNetV3-Large, runs the
reference input and prints the largest absolute difference to the reference output.
    /usr/bin/python3 bench/parity/make_reference.py --check-model STATE.pt IO.safetensors CONFIG.json
builds glossa_model.GlossaModel from a Glossa ModelConfig JSON, loads a Glossa-exported state dict
strictly, runs IO's "input" in eval mode and prints the largest difference to IO's "logits".
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision


def randomise_batchnorm(model, generator):
    """Give every BatchNorm non-trivial affine parameters and running statistics."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.weight.copy_(torch.rand(m.weight.shape, generator=generator) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(m.bias.shape, generator=generator) * 0.1)
                m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=generator) * 0.5 + 0.75)


def save_safetensors(state, path):
    """Minimal safetensors writer (the safetensors package is not in Debian's python)."""
    header, blobs, offset = {}, [], 0
    for key, t in state.items():
        t = t.detach().contiguous().cpu()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


# ---- I3D following pytorch-i3d's InceptionI3d layout (module names = state-dict keys) ----

def same_padding(size, kernel, stride):
    pad = max(kernel - stride, 0) if size % stride == 0 else max(kernel - size % stride, 0)
    return pad // 2, pad - pad // 2


def pad_same(x, kernel, stride):
    (tf, tb), (hf, hb), (wf, wb) = [same_padding(x.shape[2 + i], kernel[i], stride[i]) for i in range(3)]
    return F.pad(x, (wf, wb, hf, hb, tf, tb))


class Unit3D(nn.Module):
    def __init__(self, cin, cout, kernel=(1, 1, 1), stride=(1, 1, 1), activation=True, batch_norm=True, bias=False):
        super().__init__()
        self.kernel, self.stride, self.activation = kernel, stride, activation
        self.conv3d = nn.Conv3d(cin, cout, kernel, stride, padding=0, bias=bias)
        self.bn = nn.BatchNorm3d(cout, eps=0.001, momentum=0.01) if batch_norm else None

    def forward(self, x):
        x = self.conv3d(pad_same(x, self.kernel, self.stride))
        if self.bn is not None:
            x = self.bn(x)
        return F.relu(x) if self.activation else x


class MaxPoolSame(nn.Module):
    def __init__(self, kernel, stride):
        super().__init__()
        self.kernel, self.stride = kernel, stride

    def forward(self, x):
        return F.max_pool3d(pad_same(x, self.kernel, self.stride), self.kernel, self.stride)


class Inception(nn.Module):
    def __init__(self, cin, c):
        super().__init__()
        self.b0 = Unit3D(cin, c[0])
        self.b1a = Unit3D(cin, c[1])
        self.b1b = Unit3D(c[1], c[2], (3, 3, 3))
        self.b2a = Unit3D(cin, c[3])
        self.b2b = Unit3D(c[3], c[4], (3, 3, 3))
        self.b3a = MaxPoolSame((3, 3, 3), (1, 1, 1))
        self.b3b = Unit3D(cin, c[5])

    def forward(self, x):
        return torch.cat([self.b0(x), self.b1b(self.b1a(x)), self.b2b(self.b2a(x)), self.b3b(self.b3a(x))], 1)


class I3D(nn.Module):
    def __init__(self, num_classes=400, temporal_stride=8):
        super().__init__()
        t4, t5 = (2 if temporal_stride >= 4 else 1), (2 if temporal_stride == 8 else 1)
        self.endpoints = [
            ("Conv3d_1a_7x7", Unit3D(3, 64, (7, 7, 7), (2, 2, 2))),
            ("MaxPool3d_2a_3x3", MaxPoolSame((1, 3, 3), (1, 2, 2))),
            ("Conv3d_2b_1x1", Unit3D(64, 64)),
            ("Conv3d_2c_3x3", Unit3D(64, 192, (3, 3, 3))),
            ("MaxPool3d_3a_3x3", MaxPoolSame((1, 3, 3), (1, 2, 2))),
            ("Mixed_3b", Inception(192, [64, 96, 128, 16, 32, 32])),
            ("Mixed_3c", Inception(256, [128, 128, 192, 32, 96, 64])),
            ("MaxPool3d_4a_3x3", MaxPoolSame((3, 3, 3), (t4, 2, 2))),
            ("Mixed_4b", Inception(480, [192, 96, 208, 16, 48, 64])),
            ("Mixed_4c", Inception(512, [160, 112, 224, 24, 64, 64])),
            ("Mixed_4d", Inception(512, [128, 128, 256, 24, 64, 64])),
            ("Mixed_4e", Inception(512, [112, 144, 288, 32, 64, 64])),
            ("Mixed_4f", Inception(528, [256, 160, 320, 32, 128, 128])),
            ("MaxPool3d_5a_2x2", MaxPoolSame((2, 2, 2), (t5, 2, 2))),
            ("Mixed_5b", Inception(832, [256, 160, 320, 32, 128, 128])),
            ("Mixed_5c", Inception(832, [384, 192, 384, 48, 128, 128])),
        ]
        for name, module in self.endpoints:
            self.add_module(name, module)
        self.logits = Unit3D(1024, num_classes, activation=False, batch_norm=False, bias=True)

    def features(self, x):
        for _, module in self.endpoints:
            x = module(x)
        return x.mean(dim=(3, 4))  # (B, 1024, T', h, w) -> (B, 1024, T')


def make(out_dir):
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    io = {}

    large = torchvision.models.mobilenet_v3_large(weights=None)
    small = torchvision.models.mobilenet_v3_small(weights=None)
    for name, model in (("large", large), ("small", small)):
        randomise_batchnorm(model, g)
        model.eval()
        x = torch.randn(2, 3, 64, 64, generator=g)
        with torch.no_grad():
            feats = model.avgpool(model.features(x)).flatten(1)
            logits = model(x)
        io[f"mbv3_{name}_input"] = x
        io[f"mbv3_{name}_features"] = feats
        io[f"mbv3_{name}_logits"] = logits
    save_safetensors(large.state_dict(), f"{out_dir}/mobilenet_v3_large.safetensors")
    torch.save(small.state_dict(), f"{out_dir}/mobilenet_v3_small.pt")

    i3d = I3D(num_classes=400, temporal_stride=8)
    randomise_batchnorm(i3d, g)
    i3d.eval()
    x = torch.randn(1, 3, 16, 64, 64, generator=g)
    with torch.no_grad():
        io["i3d_input"] = x
        io["i3d_features_stride8"] = i3d.features(x)
        i3d4 = I3D(num_classes=400, temporal_stride=4)
        i3d4.load_state_dict(i3d.state_dict())
        i3d4.eval()
        io["i3d_features_stride4"] = i3d4.features(x)
    torch.save(i3d.state_dict(), f"{out_dir}/i3d.pt")
    # pytorch-i3d's released checkpoints (rgb_imagenet.pt, rgb_charades.pt) use the legacy format.
    torch.save(i3d.state_dict(), f"{out_dir}/i3d_legacy.pt", _use_new_zipfile_serialization=False)
    torch.save(io, f"{out_dir}/io.pt")
    counts = {"mobilenet_v3_large": sum(p.numel() for p in large.parameters()),
              "mobilenet_v3_small": sum(p.numel() for p in small.parameters()),
              "i3d": sum(p.numel() for p in i3d.parameters())}
    print(json.dumps(counts))


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for key, e in header.items():
        if key == "__metadata__":
            continue
        dtype = {"F32": np.float32, "I64": np.int64}[e["dtype"]]
        a, b = e["data_offsets"]
        out[key] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtype).reshape(e["shape"]).copy())
    return out


def check_model(state_path, io_path, config_path):
    """Loads a Glossa-exported recogniser into glossa_model.GlossaModel strictly and compares logits."""
    from glossa_model import GlossaModel
    with open(config_path) as f:
        config = json.load(f)
    model = GlossaModel(config)
    state = torch.load(state_path)
    grads = [k for k, v in state.items() if v.requires_grad]
    if grads:  # a state dict holds plain tensors (model.state_dict() in PyTorch): .numpy() must work on each
        sys.exit(f"{len(grads)} exported tensors require grad, e.g. {grads[0]}")
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit(f"keys differ: missing {missing[:5]}, unexpected {unexpected[:5]}")
    model.eval()
    io = load_safetensors(io_path)
    with torch.no_grad():
        y = model(io["input"])
    if y.shape != io["logits"].shape:
        sys.exit(f"shape {tuple(y.shape)} vs {tuple(io['logits'].shape)}")
    print(f"max_abs_diff {(y - io['logits']).abs().max().item():.3e}")


def check_export(path, out_dir):
    model = torchvision.models.mobilenet_v3_large(weights=None)
    model.load_state_dict(torch.load(path), strict=True)
    model.eval()
    io = torch.load(f"{out_dir}/io.pt")
    with torch.no_grad():
        y = model(io["mbv3_large_input"])
    print(f"max_abs_diff {(y - io['mbv3_large_logits']).abs().max().item():.3e}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) == 5 and sys.argv[1] == "--check-model":
        check_model(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "--check-export":
        check_export(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 2:
        make(sys.argv[1])
    else:
        sys.exit(__doc__)
