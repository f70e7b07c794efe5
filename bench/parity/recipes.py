#!/usr/bin/env python3
"""PyTorch reference for Glossa's recipe models and objectives (resnet18-vac, corrnet; VAC's visual
enhancement and alignment, SMKD's shared weight-normalised classifier), written from their
descriptions with the same state-dict keys as Glossa.

    recipes.py --torchvision DIR            writes torchvision's resnet18 state dict (DIR/resnet18.pt, as torch.save
                                            writes the ImageNet file) and DIR/resnet18_io.safetensors
    recipes.py --count CONFIG.json          prints "parameters N" for the model a Glossa config describes
    recipes.py --check DIR                  DIR holds config.json, objectives.json, state.pt (weights
                                            before the step) and io.safetensors (inputs, Glossa's logits,
                                            loss terms and gradients); prints "max_abs_diff NAME VALUE"
                                            per quantity (loss terms and gradients: max |diff| / max(1, max |value|)).

Run with Debian's python3-torch 1.13 / python3-torchvision 0.14.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import BasicBlock, ResNet

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from glossa_model import TemporalConv  # noqa: E402


class Correlation(nn.Module):
    """Affinities of each position with every position of the previous and next frames,
    <x_t(p), x_t+-1(q)> / sqrt(C); neighbours aggregated with weights sigmoid(a) - 0.5, averaged
    over positions, mixed by a 1x1x1 conv, times a scale that starts at 0."""

    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv3d(c, c, 1)
        self.scale = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        b, c, t, h, w = x.shape
        pad = torch.zeros_like(x[:, :, :1])
        after = torch.cat([x[:, :, 1:], pad], dim=2)    # frame t+1, zeros after the last
        before = torch.cat([pad, x[:, :, :-1]], dim=2)  # frame t-1, zeros before the first
        out = 0
        for other in (after, before):
            a = torch.einsum("bcthw,bctyz->bthwyz", x, other) / math.sqrt(c)
            out = out + torch.einsum("bthwyz,bctyz->bcthw", torch.sigmoid(a) - 0.5, other)
        return self.conv(out / (h * w)) * self.scale


class Identification(nn.Module):
    """Reduce to C/16, three depthwise 9x3x3 convs at spatial dilations 1, 2, 3, summed, expanded
    back to C; attention sigmoid(.) - 0.5 multiplies x; times a scale that starts at 0."""

    def __init__(self, c):
        super().__init__()
        hidden = max(1, c // 16)
        self.reduce = nn.Conv3d(c, hidden, 1, bias=False)
        self.branches = nn.ModuleList(
            nn.Conv3d(hidden, hidden, (9, 3, 3), padding=(4, d, d), dilation=(1, d, d), groups=hidden, bias=False)
            for d in (1, 2, 3))
        self.expand = nn.Conv3d(hidden, c, 1)
        self.scale = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        r = self.reduce(x)
        s = sum(branch(r) for branch in self.branches)
        return x * (torch.sigmoid(self.expand(s)) - 0.5) * self.scale


class CorrNetResNet18(ResNet):
    """torchvision's ResNet-18 on a clip (B, 3, T, H, W) -> (B, 512, T), with both modules added
    residually after stages 2, 3 and 4."""

    def __init__(self):
        super().__init__(BasicBlock, [2, 2, 2, 2])
        del self.fc
        self.correlation = nn.ModuleList(Correlation(c) for c in (128, 256, 512))
        self.identification = nn.ModuleList(Identification(c) for c in (128, 256, 512))

    def forward(self, clip):
        b, _, t, h, w = clip.shape
        y = clip.transpose(1, 2).reshape(b * t, 3, h, w)
        y = self.layer1(self.maxpool(self.relu(self.bn1(self.conv1(y)))))
        for i, stage in enumerate((self.layer2, self.layer3, self.layer4)):
            y = stage(y)
            c, hh, ww = y.shape[1:]
            x = y.reshape(b, t, c, hh, ww).transpose(1, 2)
            x = x + self.correlation[i](x) + self.identification[i](x)
            y = x.transpose(1, 2).reshape(b * t, c, hh, ww)
        return y.mean(dim=(2, 3)).reshape(b, t, -1).transpose(1, 2)


class NormLinear(nn.Module):
    """Classifier whose class weights are normalised to unit length, no bias."""

    def __init__(self, inputs, outputs):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(outputs, inputs))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))

    def forward(self, x):
        return x @ F.normalize(self.weight, dim=1).t()


def conv_length(spec, n):
    for part in [p for p in spec.split("-") if p]:
        size = int(part[1:])
        n = n - size + 1 if part[0].upper() == "K" else n // size
    return n


class RecipeModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        kind = cfg["backbone"]
        if kind == "resnet18":
            self.backbone = torchvision.models.resnet18()
            del self.backbone.fc
        elif kind == "resnet18_corrnet":
            self.backbone = CorrNetResNet18()
        else:
            raise SystemExit(f"recipes.py: backbone {kind} is not a recipe backbone")
        assert cfg["width_mult"] == 1.0 and not cfg["projection"], "the reference builds the published widths only"
        hidden, classes = cfg["hidden_dim"], cfg["num_classes"]
        self.spec = cfg["temporal_conv"]
        self.edge_pad = cfg.get("edge_pad", 0)  # each clip's first and last features repeated before the temporal conv
        self.temporal_conv = TemporalConv(self.spec, 512, cfg.get("temporal_channels") or hidden)
        conv_width = self.temporal_conv.out_channels
        self.lstm = nn.LSTM(conv_width, hidden, num_layers=cfg["layers"], batch_first=True, bidirectional=True,
                            dropout=cfg["dropout"] if cfg["layers"] > 1 else 0)
        self.dropout = nn.Dropout(cfg["dropout"])
        self.head = cfg.get("conv_head", "none")
        self.classifier = NormLinear(2 * hidden, classes) if self.head == "shared" else nn.Linear(2 * hidden, classes)
        if self.head == "linear":
            self.conv_classifier = nn.Linear(conv_width, classes)

    def features(self, frames, lengths):
        b, t = frames.shape[:2]
        if isinstance(self.backbone, CorrNetResNet18):
            return self.backbone(frames.transpose(1, 2)).transpose(1, 2)
        # Per frame, valid frames only (BatchNorm statistics ignore padding); padding gets zeros.
        valid = torch.cat([frames[i, :n] for i, n in enumerate(lengths.tolist())])
        m = self.backbone
        y = m.layer4(m.layer3(m.layer2(m.layer1(m.maxpool(m.relu(m.bn1(m.conv1(valid))))))))
        y = y.mean(dim=(2, 3))
        out = y.new_zeros(b, t, y.shape[1])
        start = 0
        for i, n in enumerate(lengths.tolist()):
            out[i, :n] = y[start:start + n]
            start += n
        return out

    def forward(self, frames, lengths):
        x = self.dropout(self.features(frames, lengths))
        p = self.edge_pad
        if p:
            # Clip i's frame j moves to j + p; its first frame fills the p before, its last valid frame everything after.
            index = torch.stack([(torch.arange(x.shape[1] + 2 * p) - p).clamp(0, n - 1) for n in lengths.tolist()])
            x = torch.gather(x, 1, index[:, :, None].expand(-1, -1, x.shape[2]))
        x = self.temporal_conv(x.transpose(1, 2)).transpose(1, 2)
        out_lengths = torch.tensor([conv_length(self.spec, n + 2 * p) for n in lengths.tolist()])
        conv_logits = None
        if self.head == "linear":
            conv_logits = self.conv_classifier(x)
        elif self.head == "shared":
            conv_logits = self.classifier(x)
        packed = nn.utils.rnn.pack_padded_sequence(x, out_lengths, batch_first=True, enforce_sorted=False)
        y, _ = self.lstm(packed)
        y, _ = nn.utils.rnn.pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
        return self.classifier(self.dropout(y)), conv_logits, out_lengths


def ctc(logits, lengths, targets, target_lengths):
    return F.ctc_loss(logits.log_softmax(-1).transpose(0, 1), targets, lengths, target_lengths,
                      blank=0, reduction="mean", zero_infinity=False)


def alignment(seq, conv, lengths, temperature, include_blank):
    """T^2 x KL(softmax(seq/T) || softmax(conv/T)) per valid frame, averaged; seq is the detached teacher."""
    teacher = seq.detach()
    if not include_blank:
        teacher, conv = teacher[..., 1:], conv[..., 1:]
    p = torch.softmax(teacher / temperature, -1)
    log_q = torch.log_softmax(conv / temperature, -1)
    per_frame = torch.where(p > 0, p * (torch.log(p) - log_q), torch.zeros_like(p)).sum(-1)
    mask = (torch.arange(seq.shape[1])[None, :] < lengths[:, None]).float()
    return (per_frame * mask).sum() / mask.sum().clamp_min(1) * temperature ** 2


def check(folder):
    from make_reference import load_safetensors as read_safetensors
    cfg = json.load(open(os.path.join(folder, "config.json")))
    objectives = json.load(open(os.path.join(folder, "objectives.json")))
    io = read_safetensors(os.path.join(folder, "io.safetensors"))
    model = RecipeModel(cfg)
    model.load_state_dict(torch.load(os.path.join(folder, "state.pt")), strict=True)
    model.train()
    lengths, targets, target_lengths = io["lengths"], io["targets"], io["target_lengths"]
    logits, conv_logits, out_lengths = model(io["frames"], lengths)
    terms = {"ctc": ctc(logits, out_lengths, targets, target_lengths)}
    if objectives["conv_ctc_weight"] > 0:
        terms["conv_ctc"] = objectives["conv_ctc_weight"] * ctc(conv_logits, out_lengths, targets, target_lengths)
    if objectives["align_weight"] > 0:
        terms["align"] = objectives["align_weight"] * alignment(
            logits, conv_logits, out_lengths, objectives["align_temperature"], objectives["align_blank"])
    sum(terms.values()).backward()

    def report(name, expected, actual, relative=False):
        diff = (expected.double() - actual.double()).abs().max().item()
        if relative:
            diff /= max(1.0, expected.abs().max().item())
        print(f"max_abs_diff {name} {diff:.3e}")

    with torch.no_grad():
        report("features", model.features(io["frames"], lengths), io["features"])
    report("logits", logits.detach(), io["logits"])
    if conv_logits is not None:
        report("conv_logits", conv_logits.detach(), io["conv_logits"])
    for name, value in terms.items():
        report(f"term.{name}", value.detach().reshape(1), io[f"term.{name}"], relative=True)
    grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    for name, p in model.named_parameters():
        key = f"grad.{name}"
        if key not in io:
            print(f"missing {key}")
            continue
        expected = grads.get(name, torch.zeros_like(p))
        report(key, expected, io[key], relative=True)
    print(f"parameters {sum(p.numel() for p in model.parameters())}")


def torchvision_reference(folder):
    """torchvision's resnet18 (random weights, seed 0) saved as its ImageNet file would be, with an
    eval-mode input, pooled features and logits."""
    from make_reference import save_safetensors
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    for m in model.modules():  # non-trivial BatchNorm statistics, so eval mode is really tested
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
    torch.save(model.state_dict(), os.path.join(folder, "resnet18.pt"))
    x = torch.rand(2, 3, 64, 64) * 2 - 1
    with torch.no_grad():
        features = torch.flatten(model.avgpool(model.layer4(model.layer3(model.layer2(model.layer1(
            model.maxpool(model.relu(model.bn1(model.conv1(x))))))))), 1)
        logits = model(x)
    save_safetensors({"input": x, "features": features, "logits": logits}, os.path.join(folder, "resnet18_io.safetensors"))
    print("written")


def check_modules(folder):
    """The two CorrNet modules alone: DIR/modules.pt (keys correlation.*, identification.*) and
    DIR/modules_io.safetensors (x, correlation, identification) from Glossa."""
    from make_reference import load_safetensors
    io = load_safetensors(os.path.join(folder, "modules_io.safetensors"))
    c = io["x"].shape[1]
    modules = nn.ModuleDict({"correlation": Correlation(c), "identification": Identification(c)})
    modules.load_state_dict(torch.load(os.path.join(folder, "modules.pt")), strict=True)
    with torch.no_grad():
        for name, module in modules.items():
            diff = (module(io["x"]) - io[name]).abs().max().item()
            print(f"max_abs_diff {name} {diff:.3e}")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--check-modules":
        check_modules(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--torchvision":
        torchvision_reference(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--count":
        model = RecipeModel(json.load(open(sys.argv[2])))
        print(f"parameters {sum(p.numel() for p in model.parameters())}")
    elif len(sys.argv) == 3 and sys.argv[1] == "--check":
        torch.set_num_threads(1)
        check(sys.argv[2])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
