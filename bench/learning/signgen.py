#!/usr/bin/python3
"""Synthetic sign-language video corpus generator (PHOENIX-2014 SI5 layout).

A 2-D puppet signer (head, torso, two IK arms, drawn hands) performs glosses.
Every gloss is a sign made of phonological parameters:
  handshape  : fist, flat, spread, index, ring, vee, ylike
  location   : forehead, chin, cheek, chest, neutral, side
  movement   : path type (line, arc, circle, zigzag, tap) x angle x reversed
  hands      : one, sym (mirrored two-handed), base (dominant acts on a static
               flat non-dominant hand)
The vocabulary deliberately contains minimal pairs (signs differing in a single
parameter, including the same path walked backwards).

Signers (default 5) differ in body size/position, skin/clothing/hair colours,
speed factor, movement amplitude, lighting and background.  Train uses all but
the last signer (Signer05 for 5 signers); dev/test use only that unseen signer.
Everything is a deterministic function of --seed.
"""
import argparse
import datetime
import json
import math
import os
import sys
from multiprocessing import Pool

import numpy as np
from PIL import Image, ImageDraw

W, H = 210, 260
CORPUS = "phoenix-2014-signerindependent-SI5"

HANDSHAPES = ["fist", "flat", "spread", "index", "ring", "vee", "ylike"]
# location: (dx toward dominant side, dy) relative to neck base, in body units
LOCATIONS = {
    "forehead": (10.0, -58.0),
    "chin": (6.0, -26.0),
    "cheek": (30.0, -40.0),
    "chest": (16.0, 24.0),
    "neutral": (12.0, 62.0),
    "side": (56.0, 40.0),
}
LOCNAMES = list(LOCATIONS)
MTYPES = ["line", "arc", "circle", "zigzag", "tap"]
ANGLES = [0, 45, 90, 135]
HANDS = ["one", "sym", "base"]
FIELDS = ["hs", "loc", "mtype", "angle", "rev", "hands"]

WORDS = ("WETTER REGEN SONNE WOLKE SCHNEE WIND NORD SUED OST WEST MORGEN HEUTE "
         "ABEND NACHT TEMPERATUR GRAD WARM KALT STARK SCHWACH GEWITTER NEBEL FROST "
         "KUEHL FREUNDLICH MEHR WENIG BLEIBEN KOMMEN AUCH DEUTSCHLAND BERG KUESTE "
         "MEER REGION TAG MONTAG DIENSTAG MITTWOCH DONNERSTAG FREITAG SAMSTAG "
         "SONNTAG WOCHENENDE HOCH TIEF DRUCK LUFT FEUCHT TROCKEN GLATT SCHAUER "
         "UNWETTER MILD HEISS MINUS PLUS NULL ZWANZIG ZEHN FLUSS ALPEN").split()
SYL = ["BA", "KE", "LO", "MI", "RU", "TA", "SO", "FE", "NU", "DI", "GA", "PO", "WI", "ZE"]


# ---------------------------------------------------------------- vocabulary
def valid_sign(s):
    if s["hands"] == "base" and s["loc"] not in ("chest", "neutral"):
        return False
    if s["mtype"] == "tap" and s["rev"]:
        return False  # tap path is time-symmetric, reversal would be identical
    return True


def sign_key(s):
    return tuple(s[f] for f in FIELDS)


def random_sign(rng):
    while True:
        s = {
            "hs": HANDSHAPES[rng.integers(len(HANDSHAPES))],
            "loc": LOCNAMES[rng.integers(len(LOCNAMES))],
            "mtype": MTYPES[rng.integers(len(MTYPES))],
            "angle": int(ANGLES[rng.integers(len(ANGLES))]),
            "rev": bool(rng.random() < 0.5),
            "hands": HANDS[int(rng.choice(3, p=[0.6, 0.25, 0.15]))],
        }
        if valid_sign(s):
            return s


def mutate(s, rng):
    opts = {"hs": HANDSHAPES, "loc": LOCNAMES, "mtype": MTYPES, "angle": ANGLES,
            "rev": [False, True], "hands": HANDS}
    for _ in range(50):
        f = FIELDS[int(rng.choice(len(FIELDS), p=[0.22, 0.22, 0.16, 0.1, 0.18, 0.12]))]
        vals = [v for v in opts[f] if v != s[f]]
        t = dict(s)
        t[f] = vals[rng.integers(len(vals))]
        if f == "angle":
            t[f] = int(t[f])
        if valid_sign(t):
            return t
    return None


def make_vocab(n, rng):
    signs, keys = [], set()
    while len(signs) < n:
        if signs and rng.random() < 0.5:
            t = mutate(signs[rng.integers(len(signs))], rng)
        else:
            t = random_sign(rng)
        if t is None or sign_key(t) in keys:
            continue
        keys.add(sign_key(t))
        t["base_dur"] = float(rng.uniform(8.5, 12.0) + (1.5 if t["mtype"] in ("circle", "zigzag") else 0))
        signs.append(t)
    words = list(WORDS)
    rng.shuffle(words)
    names, used = [], set()
    for i in range(n):
        if i < len(words):
            nm = words[i]
        else:
            while True:
                nm = "".join(SYL[j] for j in rng.integers(len(SYL), size=rng.integers(2, 4)))
                nm += "-" + "ABC"[rng.integers(3)]
                if nm not in used:
                    break
        used.add(nm)
        names.append(nm)
    for s, nm in zip(signs, names):
        s["gloss"] = nm
    return signs


def minimal_pairs(signs):
    pairs = {f: 0 for f in FIELDS}
    for i in range(len(signs)):
        for j in range(i + 1, len(signs)):
            d = [f for f in FIELDS if signs[i][f] != signs[j][f]]
            if len(d) == 1:
                pairs[d[0]] += 1
    return pairs


# ---------------------------------------------------------------- signers
SKINS = [(241, 204, 177), (224, 172, 138), (198, 140, 100), (160, 105, 70),
         (110, 72, 48), (232, 190, 160), (180, 125, 90)]
HAIRS = [(30, 25, 20), (90, 60, 30), (160, 120, 60), (60, 60, 60), (200, 180, 120), (120, 40, 20)]


def cdist(a, b):
    return float(np.linalg.norm(np.array(a, float) - np.array(b, float)))


def make_signers(n, rng):
    signers = []
    for k in range(n):
        skin = SKINS[rng.integers(len(SKINS))]
        while True:
            cloth = tuple(int(x) for x in rng.integers(10, 200, size=3))
            if cdist(cloth, skin) > 110:
                break
        while True:
            bg = tuple(int(x) for x in rng.integers(40, 235, size=3))
            if cdist(bg, skin) > 90 and cdist(bg, cloth) > 90:
                break
        signers.append({
            "name": "Signer%02d" % (k + 1),
            "scale": float(rng.uniform(0.85, 1.12)),
            "cx": float(W / 2 + rng.uniform(-14, 14)),
            "neck_y": float(rng.uniform(104, 122)),
            "skin": skin, "cloth": cloth, "hair": HAIRS[rng.integers(len(HAIRS))],
            "bg": bg, "bgtex": ["plain", "vgrad", "blotch", "stripes"][rng.integers(4)],
            "speed": float(rng.uniform(0.75, 1.3)),
            "amp": float(rng.uniform(0.8, 1.25)),
            "bright": float(rng.uniform(-25, 25)),
            "contrast": float(rng.uniform(0.8, 1.2)),
            "tint": [float(x) for x in rng.uniform(0.93, 1.07, size=3)],
            "noise": float(rng.uniform(1.5, 5.0)),
            "tex_seed": int(rng.integers(1 << 30)),
        })
    return signers


def make_background(sg):
    r = np.random.default_rng(sg["tex_seed"])
    BH, BW = H + 40, W + 40
    base = np.array(sg["bg"], np.float32)[None, None, :]
    img = np.repeat(np.repeat(base, BH, 0), BW, 1)
    t = sg["bgtex"]
    if t == "vgrad":
        g = np.linspace(-30, 30, BH, dtype=np.float32)[:, None, None]
        img = img + g
    elif t == "blotch":
        small = r.normal(0, 1, size=(BH // 18 + 2, BW // 18 + 2)).astype(np.float32)
        sm = Image.fromarray(((np.clip(small, -3, 3) + 3) * 40).astype(np.uint8))
        big = np.asarray(sm.resize((BW, BH), Image.BICUBIC), np.float32)[:, :, None] / 40 - 3
        img = img + 28 * big
    elif t == "stripes":
        period = r.uniform(14, 30)
        x = np.arange(BW, dtype=np.float32)
        img = img + (12 * np.sign(np.sin(2 * np.pi * x / period)))[None, :, None]
    img = img + r.normal(0, 4, size=img.shape).astype(np.float32)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


# ---------------------------------------------------------------- geometry
def path_offset(mtype, angle, rev, t, amp):
    """Unit path in body units (before scale), returns (dx_side, dy)."""
    if rev:
        t = 1.0 - t
    a = math.radians(angle)
    if mtype == "line":
        u, v = (t - 0.5) * 34, 0.0
    elif mtype == "arc":
        u, v = -17 * math.cos(math.pi * t), -13 * math.sin(math.pi * t)
    elif mtype == "circle":
        ph = 2 * math.pi * t
        u, v = 12 * math.cos(ph), 12 * math.sin(ph)  # start phase = angle
    elif mtype == "zigzag":
        u = (t - 0.5) * 34
        ph = (t * 3) % 1.0
        v = 8 * (4 * abs(ph - 0.5) - 1)
    elif mtype == "tap":
        u, v = 12 * math.sin(2 * math.pi * t) ** 2, 0.0
    else:
        raise ValueError(mtype)
    ca, sa = math.cos(a), math.sin(a)
    return amp * (u * ca - v * sa), amp * (u * sa + v * ca)


class Body:
    def __init__(self, sg):
        self.s = sg["scale"]
        self.cx = sg["cx"]
        self.ny = sg["neck_y"]
        self.dom = -1.0  # dominant (signer's right) hand appears on image left

    def to_world(self, side_dx, dy, mirror=False):
        d = -self.dom if mirror else self.dom
        return (self.cx + d * side_dx * self.s, self.ny + dy * self.s)

    def shoulder(self, dominant):
        d = self.dom if dominant else -self.dom
        return (self.cx + d * 34 * self.s, self.ny + 8 * self.s)

    def rest(self, dominant):
        return self.to_world(22, 96, mirror=not dominant)


def sign_positions(sign, body, amp, t, jit):
    """Positions (world) of dominant / non-dominant hands at sign time t."""
    lx, ly = LOCATIONS[sign["loc"]]
    lx += jit[0]
    ly += jit[1]
    ox, oy = path_offset(sign["mtype"], sign["angle"], sign["rev"], t, amp)
    if sign["hands"] == "one":
        return body.to_world(lx + ox, ly + oy), sign["hs"], body.rest(False), "flat", False
    if sign["hands"] == "sym":
        return (body.to_world(lx + ox, ly + oy), sign["hs"],
                body.to_world(lx + ox, ly + oy, mirror=True), sign["hs"], True)
    # base: non-dominant flat hand held static across the body, dominant above it
    bx, by = -4.0 + jit[0], ly + 6
    nd = body.to_world(bx, by)
    dm = body.to_world(bx + 6 + ox * 0.7, by - 16 + oy * 0.7)
    return dm, sign["hs"], nd, "flat", True


# ---------------------------------------------------------------- drawing
def rot(pts, ang, cx, cy, k):
    ca, sa = math.cos(ang), math.sin(ang)
    return [(cx + k * (u * ca - v * sa), cy + k * (u * sa + v * ca)) for u, v in pts]


def ellipse_pts(cu, cv, ru, rv, n=14):
    return [(cu + ru * math.cos(2 * math.pi * i / n), cv + rv * math.sin(2 * math.pi * i / n)) for i in range(n)]


def finger(draw, p0, p1, w, skin, edge):
    draw.line([p0, p1], fill=edge, width=int(round(w + 2)))
    r = (w + 2) / 2
    draw.ellipse([p1[0] - r, p1[1] - r, p1[0] + r, p1[1] + r], fill=edge)
    draw.line([p0, p1], fill=skin, width=max(1, int(round(w))))
    r = w / 2
    draw.ellipse([p1[0] - r, p1[1] - r, p1[0] + r, p1[1] + r], fill=skin)


def draw_hand(draw, wx, wy, ang, shape, k, skin, edge, mirror):
    """Hand at wrist (wx,wy); axis angle ang (radians) points along fingers.
    Local frame: u along axis, v perpendicular (thumb side = +v, mirrored for the
    other hand)."""
    m = -1.0 if mirror else 1.0

    def P(u, v):
        return rot([(u, m * v)], ang, wx, wy, k)[0]

    palm_c = 7.0
    fw = 3.0 * k
    if shape == "flat":
        poly = [(0, -6), (16, -6.5), (22, -5), (25, 0), (22, 5), (16, 6.5), (0, 6)]
        draw.polygon(rot([(u, m * v) for u, v in poly], ang, wx, wy, k), fill=skin, outline=edge)
        for vv in (-3.2, 0, 3.2):
            draw.line([P(11, vv), P(22, vv)], fill=edge, width=1)
        finger(draw, P(4, 6), P(11, 9), fw, skin, edge)  # thumb close to palm
        return
    # palm blob
    palm = ellipse_pts(palm_c, 0, 7.5, 6.5)
    draw.polygon(rot([(u, m * v) for u, v in palm], ang, wx, wy, k), fill=skin, outline=edge)
    if shape == "fist":
        for vv in (-4.5, -1.5, 1.5, 4.5):
            c = P(14, vv)
            r = 1.9 * k
            draw.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], fill=skin, outline=edge)
        draw.line([P(6, 6), P(12, 2)], fill=edge, width=max(1, int(2 * k)))
    elif shape == "spread":
        for deg, ln in ((-48, 11), (-20, 14), (0, 15), (20, 14), (70, 11)):
            a = math.radians(deg)
            base = (palm_c + 5 * math.cos(a), 5 * math.sin(a))
            tip = (palm_c + (5 + ln) * math.cos(a), (5 + ln) * math.sin(a))
            finger(draw, P(*base), P(*tip), fw, skin, edge)
    elif shape == "index":
        draw.line([P(6, 6), P(12, 2)], fill=edge, width=max(1, int(2 * k)))
        finger(draw, P(12, -2), P(29, -2), fw, skin, edge)
    elif shape == "ring":
        c = P(19, 1)
        r = 6.0 * k
        draw.ellipse([c[0] - r, c[1] - r, c[0] + r, c[1] + r], outline=edge, width=max(2, int(round(4 * k))))
        r2 = r - 1
        draw.ellipse([c[0] - r2, c[1] - r2, c[0] + r2, c[1] + r2], outline=skin, width=max(1, int(round(2.2 * k))))
    elif shape == "vee":
        for deg in (-17, 17):
            a = math.radians(deg)
            base = (palm_c + 5 * math.cos(a), 4 * math.sin(a) - 1)
            tip = (palm_c + 21 * math.cos(a), 21 * math.sin(a) - 1)
            finger(draw, P(*base), P(*tip), fw, skin, edge)
    elif shape == "ylike":
        for deg in (-65, 75):
            a = math.radians(deg)
            base = (palm_c + 4 * math.cos(a), 4 * math.sin(a))
            tip = (palm_c + 15 * math.cos(a), 15 * math.sin(a))
            finger(draw, P(*base), P(*tip), fw, skin, edge)
    else:
        raise ValueError(shape)


def ik_elbow(sh, wr, L1, L2, outward):
    dx, dy = wr[0] - sh[0], wr[1] - sh[1]
    d = math.hypot(dx, dy)
    d = min(max(d, abs(L1 - L2) + 1e-3), L1 + L2 - 1e-3)
    ux, uy = dx / max(math.hypot(dx, dy), 1e-6), dy / max(math.hypot(dx, dy), 1e-6)
    wr = (sh[0] + ux * d, sh[1] + uy * d)
    a = (L1 * L1 - L2 * L2 + d * d) / (2 * d)
    h = math.sqrt(max(L1 * L1 - a * a, 0.0))
    px, py = sh[0] + ux * a, sh[1] + uy * a
    e1 = (px - uy * h, py + ux * h)
    e2 = (px + uy * h, py - ux * h)
    score = lambda e: outward * (e[0] - sh[0]) + 0.8 * (e[1] - sh[1])
    return (e1 if score(e1) >= score(e2) else e2), wr


def render_static(sg, bgimg, cam):
    """Background (cropped/zoomed) + torso + head for one clip."""
    zoom, sx, sy = cam
    bw, bh = bgimg.size
    cw, ch = W / zoom, H / zoom
    x0 = (bw - cw) / 2 - sx / zoom
    y0 = (bh - ch) / 2 - sy / zoom
    img = bgimg.transform((W, H), Image.EXTENT, (x0, y0, x0 + cw, y0 + ch), Image.BILINEAR)
    dr = ImageDraw.Draw(img)
    T = lambda p: camT(p, cam)
    s, cx, ny = sg["scale"], sg["cx"], sg["neck_y"]
    k = s * zoom
    cloth = sg["cloth"]
    dark = tuple(int(c * 0.7) for c in cloth)
    torso = [(cx - 36 * s, ny + 6 * s), (cx - 20 * s, ny - 2 * s), (cx + 20 * s, ny - 2 * s),
             (cx + 36 * s, ny + 6 * s), (cx + 44 * s, ny + 40 * s), (cx + 40 * s, H + 60),
             (cx - 40 * s, H + 60), (cx - 44 * s, ny + 40 * s)]
    dr.polygon([T(p) for p in torso], fill=cloth, outline=dark)
    # neck
    skin = sg["skin"]
    edge = tuple(int(c * 0.62) for c in skin)
    n0, n1 = T((cx - 8 * s, ny - 20 * s)), T((cx + 8 * s, ny + 2 * s))
    dr.rectangle([n0, n1], fill=skin)
    # collar
    dr.polygon([T((cx - 12 * s, ny - 2 * s)), T((cx, ny + 12 * s)), T((cx + 12 * s, ny - 2 * s))], fill=dark)
    # head
    hc = T((cx, ny - 40 * s))
    rx, ry = 19 * k, 24 * k
    dr.ellipse([hc[0] - rx, hc[1] - ry, hc[0] + rx, hc[1] + ry], fill=skin, outline=edge)
    hair = sg["hair"]
    dr.chord([hc[0] - rx - 1, hc[1] - ry - 2, hc[0] + rx + 1, hc[1] + ry * 0.5], 180, 360, fill=hair)
    for ex in (-7, 7):
        e = (hc[0] + ex * k, hc[1] + 2 * k)
        dr.ellipse([e[0] - 2 * k, e[1] - 1.5 * k, e[0] + 2 * k, e[1] + 1.5 * k], fill=(25, 20, 20))
    dr.line([(hc[0] - 6 * k, hc[1] + 13 * k), (hc[0] + 6 * k, hc[1] + 13 * k)], fill=(120, 40, 40), width=max(1, int(2 * k)))
    return img


def camT(p, cam):
    zoom, sx, sy = cam
    return ((p[0] - W / 2) * zoom + W / 2 + sx, (p[1] - H / 2) * zoom + H / 2 + sy)


def draw_arm(dr, sg, body, cam, hand_pos, shape, dominant):
    s = sg["scale"]
    k = s * cam[0]
    sh = body.shoulder(dominant)
    outward = body.dom if dominant else -body.dom
    L1, L2 = 46 * s, 40 * s
    el, wr = ik_elbow(sh, hand_pos, L1, L2, outward)
    cloth = tuple(min(255, int(c * 1.18 + 12)) for c in sg["cloth"])  # sleeves a bit lighter
    dark = tuple(int(c * 0.55) for c in sg["cloth"])
    S, E, Wr = camT(sh, cam), camT(el, cam), camT(wr, cam)
    wa = int(round(12 * k))
    dr.line([S, E, Wr], fill=dark, width=wa + 2, joint="curve")
    dr.line([S, E, Wr], fill=cloth, width=wa, joint="curve")
    ang = math.atan2(Wr[1] - E[1], Wr[0] - E[0])
    skin = sg["skin"]
    edge = tuple(int(c * 0.55) for c in skin)
    draw_hand(dr, Wr[0], Wr[1], ang, shape, k * 1.25, skin, edge, mirror=not dominant)


# ---------------------------------------------------------------- timeline
def smooth(x):
    return x * x * (3 - 2 * x)


def plan_clip(glosses, vocab, sg, rng):
    """Return list of frames: (dom_pos, dom_shape, nd_pos, nd_shape)."""
    body = Body(sg)
    by_name = {v["gloss"]: v for v in vocab}
    speed = sg["speed"]
    frames = []
    rest = (body.rest(True), "flat", body.rest(False), "flat")
    for _ in range(int(rng.integers(3, 9))):
        frames.append(rest)
    cur = rest
    durs = []

    def transition(a, b, n):
        for i in range(1, n + 1):
            x = smooth(i / (n + 1))
            lerp = lambda p, q: (p[0] + (q[0] - p[0]) * x, p[1] + (q[1] - p[1]) * x)
            frames.append((lerp(a[0], b[0]), a[1] if x < 0.5 else b[1],
                           lerp(a[2], b[2]), a[3] if x < 0.5 else b[3]))

    for gi, g in enumerate(glosses):
        sgn = by_name[g]
        amp = sg["amp"] * rng.uniform(0.9, 1.1)
        jit = (rng.uniform(-3, 3), rng.uniform(-3, 3))
        n = int(round(sgn["base_dur"] / speed * rng.uniform(0.85, 1.18)))
        n = int(min(16, max(6, n)))
        durs.append(n)
        first = sign_positions(sgn, body, amp, 0.0, jit)
        start = (first[0], first[1], first[2], first[3])
        # occasional pause: hands drop half-way toward rest and wait
        if gi > 0 and rng.random() < 0.08:
            mid = (((cur[0][0] + rest[0][0]) / 2, (cur[0][1] + rest[0][1]) / 2), cur[1],
                   ((cur[2][0] + rest[2][0]) / 2, (cur[2][1] + rest[2][1]) / 2), cur[3])
            transition(cur, mid, int(rng.integers(2, 4)))
            for _ in range(int(rng.integers(3, 7))):
                frames.append(mid)
            cur = mid
        d = math.hypot(start[0][0] - cur[0][0], start[0][1] - cur[0][1])
        nt = int(round((2.0 + d / 18.0) / speed * rng.uniform(0.85, 1.2)))
        transition(cur, start, int(min(9, max(2, nt))))
        for i in range(n):
            t = i / (n - 1)
            # mild ease at the ends of the movement
            t = 0.5 * t + 0.5 * smooth(t)
            p = sign_positions(sgn, body, amp, t, jit)
            frames.append((p[0], p[1], p[2], p[3]))
        cur = frames[-1]
        if rng.random() < 0.15:  # hold
            for _ in range(int(rng.integers(2, 6))):
                frames.append(cur)
    d = math.hypot(rest[0][0] - cur[0][0], rest[0][1] - cur[0][1])
    transition(cur, rest, int(min(9, max(3, round((2 + d / 18) / speed)))))
    for _ in range(int(rng.integers(3, 9))):
        frames.append(rest)
    return frames, durs


# ---------------------------------------------------------------- workers
_G = {}


def _init(state):
    _G.update(state)
    _G["bgs"] = [make_background(sg) for sg in state["signers"]]


def render_clip(job):
    split, idx, cid, sidx, glosses = job
    rng = np.random.default_rng([_G["seed"], {"train": 0, "dev": 1, "test": 2}[split], idx, 7])
    sg = _G["signers"][sidx]
    frames, durs = plan_clip(glosses, _G["vocab"], sg, rng)
    cam = (float(rng.uniform(0.95, 1.06)), float(rng.uniform(-6, 6)), float(rng.uniform(-6, 6)))
    static = render_static(sg, _G["bgs"][sidx], cam)
    body = Body(sg)
    # lighting LUT (signer + small per-clip jitter)
    c = sg["contrast"] * rng.uniform(0.96, 1.04)
    b = sg["bright"] + rng.uniform(-6, 6)
    x = np.arange(256, dtype=np.float32)
    lut = []
    for ch in range(3):
        v = ((x - 128) * c + 128 + b) * sg["tint"][ch]
        lut += list(np.clip(v, 0, 255).astype(np.uint8))
    noise = rng.normal(0, sg["noise"], size=(H + 32, W + 32, 3)).astype(np.int16)
    d = os.path.join(_G["out"], CORPUS, "features", "fullFrame-210x260px", split, cid, "1")
    os.makedirs(d, exist_ok=True)
    for fi, (dp, dsh, npos, nsh) in enumerate(frames):
        img = static.copy()
        dr = ImageDraw.Draw(img)
        # draw the hand that is further back first: non-dominant then dominant
        draw_arm(dr, sg, body, cam, npos, nsh, False)
        draw_arm(dr, sg, body, cam, dp, dsh, True)
        img = img.point(lut)
        oy, ox = rng.integers(0, 33), rng.integers(0, 33)
        arr = np.asarray(img, dtype=np.int16) + noise[oy:oy + H, ox:ox + W]
        np.clip(arr, 0, 255, out=arr)
        Image.fromarray(arr.astype(np.uint8)).save(
            os.path.join(d, "%s.avi_pid0_fn%06d-0.png" % (cid, fi)), compress_level=1)
    return cid, len(frames), durs


# ---------------------------------------------------------------- main
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def make_id(rng, split, idx):
    day = datetime.date(2009, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 3 * 365)))
    show = "heute" if rng.random() < 0.6 else "tagesschau"
    return "%02d%s_%d_%s_%s_%s%05d-0" % (day.day, MONTHS[day.month - 1], day.year,
                                          day.strftime("%A"), show, split, idx)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=200)
    ap.add_argument("--dev", type=int, default=20)
    ap.add_argument("--test", type=int, default=20)
    ap.add_argument("--glosses", type=int, default=30)
    ap.add_argument("--signers", type=int, default=5)
    ap.add_argument("--procs", type=int, default=2)
    a = ap.parse_args()
    assert a.signers >= 2 and a.glosses >= 2

    rng = np.random.default_rng([a.seed, 12345])
    vocab = make_vocab(a.glosses, rng)
    signers = make_signers(a.signers, rng)
    unseen = a.signers - 1
    # Zipf-like gloss frequencies over a random rank order
    order = rng.permutation(a.glosses)
    p = np.zeros(a.glosses)
    p[order] = 1.0 / np.arange(1, a.glosses + 1) ** 1.0
    p /= p.sum()
    w = rng.dirichlet(np.full(unseen, 3.0))  # unequal train share per signer

    def sentence():
        n = int(rng.integers(4, 11))
        out = []
        while len(out) < n:
            g = int(rng.choice(a.glosses, p=p))
            if out and out[-1] == g:
                continue
            out.append(g)
        return out

    jobs, csv = [], {}
    train_used = set()
    for split, n in (("train", a.train), ("dev", a.dev), ("test", a.test)):
        rows = []
        for i in range(n):
            s = sentence()
            if split != "train":  # only glosses seen in training
                while not set(s) <= train_used:
                    s = sentence()
            else:
                train_used |= set(s)
            sidx = int(rng.choice(unseen, p=w)) if split == "train" else unseen
            cid = make_id(rng, split, i)
            gl = [vocab[g]["gloss"] for g in s]
            rows.append((cid, sidx, gl))
            jobs.append((split, i, cid, sidx, gl))
        csv[split] = rows

    base = os.path.join(a.out, CORPUS)
    os.makedirs(os.path.join(base, "annotations", "manual"), exist_ok=True)
    for split, rows in csv.items():
        with open(os.path.join(base, "annotations", "manual", "%s.SI5.corpus.csv" % split), "w") as f:
            f.write("id|folder|signer|annotation\n")
            for cid, sidx, gl in rows:
                f.write("%s|%s/1/*.png|%s|%s\n" % (cid, cid, signers[sidx]["name"], " ".join(gl)))

    state = {"seed": a.seed, "signers": signers, "vocab": vocab, "out": a.out}
    nframes = {}
    if a.procs > 1:
        with Pool(a.procs, initializer=_init, initargs=(state,)) as pool:
            for k, (cid, nf, durs) in enumerate(pool.imap_unordered(render_clip, jobs, chunksize=2)):
                nframes[cid] = nf
                if (k + 1) % 40 == 0:
                    print("rendered %d/%d" % (k + 1, len(jobs)), file=sys.stderr, flush=True)
    else:
        _init(state)
        for job in jobs:
            cid, nf, durs = render_clip(job)
            nframes[cid] = nf

    meta = {
        "seed": a.seed,
        "unseen_signer": signers[unseen]["name"],
        "signers": signers,
        "vocab": vocab,
        "zipf_p": {vocab[i]["gloss"]: float(p[i]) for i in range(a.glosses)},
        "minimal_pairs_by_field": minimal_pairs(vocab),
        "frames": nframes,
    }
    with open(os.path.join(a.out, "generator_meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("done: %d clips, %d frames" % (len(nframes), sum(nframes.values())))


if __name__ == "__main__":
    main()
