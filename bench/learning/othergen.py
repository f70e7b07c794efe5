#!/usr/bin/env python3
"""An independent synthetic CSLR corpus in the RWTH-PHOENIX-Weather 2014 layout, written with the
Python standard library only (zlib PNG writer, hand-rolled raster), by drawing rules unrelated to
`glossa synth`: a block figure whose two "hands" are coloured blobs (square, bar or cross) moving
through grid waypoints; each gloss is a 2-4 waypoint route per hand plus a shape per segment.
Used to check that Glossa's default recipe learns data it was not tuned on.

    python3 bench/learning/othergen.py OUT [--train 160 --dev 30 --test 30 --glosses 30 --signers 3 --seed 1]
"""
import argparse, os, random, struct, zlib

W, H = 210, 260


def png(path, rows):
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw, 3)) + chunk(b"IEND", b""))


def rect(rows, x0, y0, x1, y1, colour):
    x0, x1 = max(0, int(x0)), min(W, int(x1))
    if x1 <= x0:
        return
    span = bytes(colour) * (x1 - x0)
    for y in range(max(0, int(y0)), min(H, int(y1))):
        rows[y][3 * x0:3 * x1] = span


def blob(rows, x, y, shape, colour):
    if shape == 0:    # square
        rect(rows, x - 9, y - 9, x + 9, y + 9, colour)
    elif shape == 1:  # horizontal bar
        rect(rows, x - 15, y - 5, x + 15, y + 5, colour)
    else:             # cross
        rect(rows, x - 13, y - 4, x + 13, y + 4, colour)
        rect(rows, x - 4, y - 13, x + 4, y + 13, colour)


def make_glosses(n, rng):
    grid = [(x, y) for x in range(40, 171, 26) for y in range(60, 221, 32)]
    glosses, seen = [], set()
    while len(glosses) < n:
        hands = []
        for _ in range(2):
            k = rng.randint(2, 4)
            route = tuple(rng.choice(grid) for _ in range(k))
            shapes = tuple(rng.randrange(3) for _ in range(k - 1))
            hands.append((route, shapes))
        key = tuple(hands)
        if key in seen:
            continue
        seen.add(key)
        glosses.append({"name": "G%03d" % len(glosses), "hands": hands, "frames": rng.randint(6, 9)})
    return glosses


def at(route, shapes, u):
    seg = min(len(route) - 2, int(u * (len(route) - 1)))
    t = u * (len(route) - 1) - seg
    (x0, y0), (x1, y1) = route[seg], route[seg + 1]
    return x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, shapes[seg]


def sentence_frames(tokens, glosses, signer, rng):
    frames, rest = [], ((60, 240, 0), (150, 240, 0))
    frames += [rest] * 3
    for t in tokens:
        g = glosses[t]
        n = max(4, g["frames"] + rng.randint(-1, 1))
        for f in range(n):
            u = f / (n - 1)
            frames.append(tuple(at(r, s, u) for r, s in g["hands"]))
    frames += [rest] * 3
    return frames


def draw(frame, signer, rng):
    bg, body, hand_colours, dx = signer
    rows = [bytearray(bytes(bg) * W) for _ in range(H)]
    rect(rows, 55 + dx, 70, 155 + dx, H, body)      # torso
    rect(rows, 85 + dx, 15, 125 + dx, 60, hand_colours[0])  # head
    for (x, y, shape), colour in zip(frame, hand_colours):
        blob(rows, x + dx, y, shape, colour)
    for _ in range(25):                              # sensor noise
        x, y, v = rng.randrange(W), rng.randrange(H), rng.randrange(256)
        rows[y][3 * x:3 * x + 3] = bytes((v, v, v))
    return rows


def main():
    a = argparse.ArgumentParser()
    a.add_argument("out")
    a.add_argument("--train", type=int, default=160)
    a.add_argument("--dev", type=int, default=30)
    a.add_argument("--test", type=int, default=30)
    a.add_argument("--glosses", type=int, default=30)
    a.add_argument("--signers", type=int, default=3)
    a.add_argument("--seed", type=int, default=1)
    o = a.parse_args()
    rng = random.Random(o.seed)
    glosses = make_glosses(o.glosses, rng)
    signers = []
    for _ in range(o.signers):
        bg = [rng.randrange(90, 200) for _ in range(3)]
        body = [rng.randrange(10, 80) for _ in range(3)]
        skin = [rng.randrange(150, 256), rng.randrange(100, 200), rng.randrange(60, 160)]
        signers.append((bg, body, (skin, [min(255, c + 40) for c in skin]), rng.randint(-12, 12)))
    root = os.path.join(o.out, "phoenix-2014-multisigner")
    os.makedirs(os.path.join(root, "annotations", "manual"), exist_ok=True)
    for split, count in (("train", o.train), ("dev", o.dev), ("test", o.test)):
        lines = ["id|folder|signer|annotation"]
        for i in range(count):
            vid = "other_%s_%04d-0" % (split, i)
            tokens = [rng.randrange(o.glosses) for _ in range(rng.randint(3, 7))]
            s = rng.randrange(o.signers)
            folder = os.path.join(root, "features", "fullFrame-210x260px", split, vid, "1")
            os.makedirs(folder, exist_ok=True)
            for f, frame in enumerate(sentence_frames(tokens, glosses, signers[s], rng)):
                png(os.path.join(folder, "%s.avi_pid0_fn%06d-0.png" % (vid, f)), draw(frame, signers[s], rng))
            lines.append("%s|%s/1/*.png|Signer%02d|%s" % (vid, vid, s + 1, " ".join(glosses[t]["name"] for t in tokens)))
        with open(os.path.join(root, "annotations", "manual", split + ".corpus.csv"), "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
