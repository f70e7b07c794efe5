"""Glossa's CslrModel written in PyTorch with the same state-dict keys, built from a ModelConfig JSON
(as stored in Glossa checkpoints). `glossa model export` output loads into it with strict=True.

    model = GlossaModel(json.load(open("config.json")))
    model.load_state_dict(torch.load("exported.pt"), strict=True)
    logits = model(frames)        # frames (B, T, 3, H, W), all frames valid -> (B, T', C)

input_norm and feature_norm "clip" are applied as Glossa applies them (per clip, all frames valid;
head() takes the clips' valid feature lengths for a padded batch). conv_head "linear" adds VAC's
classifier on the temporal-conv features (key conv_classifier.*): head(..., with_conv=True) returns
(logits, conv_logits).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

from make_reference import I3D


class TemporalConv(nn.Module):
    """VAC-style Kn (conv, no padding) / Pn (max-pool) stack; keys blocks.{i}."""

    def __init__(self, spec, cin, channels):
        super().__init__()
        layers = []
        for part in [p for p in spec.split("-") if p]:
            kind, size = part[0].upper(), int(part[1:])
            if kind == "K":
                layers += [nn.Conv1d(cin, channels, size), nn.BatchNorm1d(channels), nn.ReLU()]
                cin = channels
            else:
                layers.append(nn.MaxPool1d(size))
        self.blocks = nn.Sequential(*layers)
        self.out_channels = cin

    def forward(self, x):
        return self.blocks(x)


class TinyCnn(nn.Module):
    """Four stride-2 conv-BN-ReLU blocks; grid 0 averages the last map, grid g keeps it as a g x g raster (tiny_cnn_grid: 4)."""

    def __init__(self, width, grid=0):
        super().__init__()
        self.grid = grid
        layers, cin = [], 3
        for c in (16, 32, 64, 128):
            c = max(8, round(c * width))
            layers += [nn.Conv2d(cin, c, 3, 2, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU()]
            cin = c
        self.features = nn.Sequential(*layers)
        self.dim = cin * grid * grid if grid else cin

    def pooled(self, maps):
        if not self.grid:
            return maps.mean(dim=(2, 3))                                      # (N,C,h,w) -> (N,C)
        return F.adaptive_avg_pool2d(maps, self.grid).flatten(1)              # (N,C,h,w) -> (N,C*g*g)


def clip_normalised(frames):
    """input_norm clip (Glossa's ClipNormalization), all frames valid: each clip's mean frame
    subtracted, then each channel divided by its standard deviation over the clip."""
    centred = frames - frames.mean(dim=1, keepdim=True)                          # (B,T,C,H,W)
    variance = centred.square().mean(dim=(1, 3, 4), keepdim=True)              # (B,1,C,1,1)
    return centred / (variance + 1e-4).sqrt()


class GlossaModel(nn.Module):
    def __init__(self, config):
        super().__init__()
        kind = config["backbone"]
        hidden, layers, dropout = config["hidden_dim"], config["layers"], config["dropout"]
        self.per_frame = kind != "i3d"
        # Parameter-free normalisations inside the model (absent from configs older than them).
        self.input_norm = config.get("input_norm") or "none"
        self.feature_norm = config.get("feature_norm") or "none"
        if kind not in ("i3d", "tiny_cnn", "tiny_cnn_grid", "mobilenet_v3_large", "mobilenet_v3_small"):
            raise ValueError(f"GlossaModel builds the MobileNetV3, tiny CNN and I3D models, not backbone '{kind}' "
                             "(the ResNet18 recipes: see bench/parity/recipes.py)")
        if kind == "i3d":
            self.backbone = I3D(num_classes=1, temporal_stride=config["i3d_temporal_stride"])
            del self.backbone.logits
            if config["i3d_final_endpoint"] == "Mixed_4f":
                keep = [n for n, _ in self.backbone.endpoints][: 13]
                for n, _ in self.backbone.endpoints[13:]:
                    delattr(self.backbone, n)
                self.backbone.endpoints = [(n, m) for n, m in self.backbone.endpoints if n in keep]
                width = 832
            else:
                width = 1024
        elif kind in ("tiny_cnn", "tiny_cnn_grid"):
            self.backbone = TinyCnn(config["width_mult"], grid=4 if kind == "tiny_cnn_grid" else 0)
            width = self.backbone.dim
        else:
            make = torchvision.models.mobilenet_v3_large if kind == "mobilenet_v3_large" else torchvision.models.mobilenet_v3_small
            self.backbone = make(width_mult=config["width_mult"])
            del self.backbone.classifier
            width = self.backbone.features[-1][0].out_channels
        self.projection = None
        if config["projection"]:
            self.projection = nn.Linear(width, 2 * hidden)
            width = 2 * hidden
        self.temporal_conv = None
        if config["temporal_conv"]:
            channels = config.get("temporal_channels") or hidden
            self.temporal_conv = TemporalConv(config["temporal_conv"], width, channels)
            width = self.temporal_conv.out_channels
        # Frames of each clip's first and last features repeated before the temporal conv (VAC pads
        # its clips with 6 copies of the first and last frame); 0 in configs older than edge_pad.
        self.edge_pad = config.get("edge_pad", 0) if self.temporal_conv is not None else 0
        self.lstm = None
        if layers > 0:
            self.lstm = nn.LSTM(width, hidden, num_layers=layers, batch_first=True, bidirectional=True,
                                dropout=dropout if layers > 1 else 0)
            width = 2 * hidden
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(width, config["num_classes"])
        self.conv_head = config.get("conv_head") or "none"
        if self.conv_head not in ("none", "linear"):
            raise ValueError(f"conv_head {self.conv_head!r}: only none and linear are written here")
        if self.conv_head == "linear":
            self.conv_classifier = nn.Linear(self.temporal_conv.out_channels, config["num_classes"])

    def features(self, frames):
        b, t = frames.shape[:2]
        if self.input_norm == "clip":
            frames = clip_normalised(frames)
        if self.per_frame:
            maps = self.backbone.features(frames.reshape(b * t, *frames.shape[2:]))
            pooled = self.backbone.pooled(maps) if isinstance(self.backbone, TinyCnn) else maps.mean(dim=(2, 3))
            return pooled.reshape(b, t, -1)
        return self.backbone.features(frames.permute(0, 2, 1, 3, 4)).transpose(1, 2)

    def head(self, f, lengths=None, feature_lengths=None, with_conv=False):
        """f (B,T,D) -> logits (B,T',C). lengths (B), the clips' valid output frames T', packs the
        BiLSTM as Glossa does (its backward direction starts at each clip's last valid frame); None
        means every frame is valid. feature_lengths (B), the clips' valid feature frames in a padded
        batch: the per-clip feature normalisation reads only those, and each clip's last valid frame
        then fills its padding (Glossa's EdgePadded). with_conv: also the conv head's logits."""
        b, t = f.shape[:2]
        valid = None
        if feature_lengths is not None:
            valid = torch.as_tensor(feature_lengths).reshape(b, 1)
        if self.feature_norm == "clip":                                          # FeatureNormalization: each clip's mean feature subtracted
            if valid is None:
                f = f - f.mean(dim=1, keepdim=True)
            else:
                mask = (torch.arange(t).reshape(1, t) < valid).to(f.dtype).unsqueeze(2)   # (B,T,1)
                f = (f - (f * mask).sum(1, keepdim=True) / mask.sum(1, keepdim=True)) * mask
        x = self.dropout(f)
        if valid is not None:                                                    # padding = each clip's last valid frame
            last = torch.minimum(torch.arange(t).reshape(1, t), valid - 1)          # (B,T)
            x = x[torch.arange(b).reshape(b, 1), last]
        if self.projection is not None:
            x = self.projection(x)
        conv_logits = None
        if self.temporal_conv is not None:
            x = x.transpose(1, 2)
            if self.edge_pad:
                x = F.pad(x, (self.edge_pad, self.edge_pad), mode="replicate")
            x = self.temporal_conv(x).transpose(1, 2)
            if self.conv_head == "linear":
                conv_logits = self.conv_classifier(x)
        if self.lstm is not None:
            if lengths is not None and int(min(lengths)) < x.shape[1]:
                packed = nn.utils.rnn.pack_padded_sequence(x, torch.as_tensor(lengths).cpu(), batch_first=True, enforce_sorted=False)
                x, _ = nn.utils.rnn.pad_packed_sequence(self.lstm(packed)[0], batch_first=True, total_length=x.shape[1])
            else:
                x, _ = self.lstm(x)
            x = self.dropout(x)
        logits = self.classifier(x)
        return (logits, conv_logits) if with_conv else logits

    def forward(self, frames):
        return self.head(self.features(frames))
