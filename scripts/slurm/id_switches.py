#!/usr/bin/env python3
"""ID switches per frame of a prediction against ground truth, both as MOTS text.

usage: id_switches.py GT.mots PRED.mots [--boundaries 12,24,36]

Make the files with `vps convert VIDEO_DIR -o X.mots --format mots` (or
`vps stitch … --format mots`). In each frame a ground-truth object is matched
to the prediction of the same class with mask IoU > 0.5 (unique, as in
CLEAR MOT). A switch is a ground-truth object whose matched prediction id
differs from the id it last matched. Prints JSON: the total, the switches at
the boundary frames given (the first frame of each later chunk's core, from
0), and the frames with switches. Python 3 standard library only.
"""
import json
import sys


def decode_counts(s):
    """pycocotools' compressed RLE string to run lengths."""
    counts, p, m = [], 0, 0
    while p < len(s):
        x, k, more = 0, 0, True
        while more:
            c = ord(s[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if m > 2:
            x += counts[m - 2]
        counts.append(x)
        m += 1
    return counts


def intervals(counts):
    out, pos = [], 0
    for i, n in enumerate(counts):
        if i % 2 == 1 and n > 0:
            out.append((pos, pos + n))
        pos += n
    return out


def overlap(a, b):
    i = j = inter = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            inter += hi - lo
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return inter


def read(path):
    frames = {}
    for line in open(path):
        p = line.split()
        if len(p) != 6 or p[2] == "10":
            continue
        runs = intervals(decode_counts(p[5]))
        frames.setdefault(int(p[0]) - 1, []).append((int(p[1]), int(p[2]), runs, sum(h - l for l, h in runs)))
    return frames


def main():
    gt, pred = read(sys.argv[1]), read(sys.argv[2])
    bounds = []
    if "--boundaries" in sys.argv:
        bounds = [int(x) for x in sys.argv[sys.argv.index("--boundaries") + 1].split(",") if x]
    last, switches = {}, {}
    for t in sorted(gt):
        taken = set()
        for gid, gcls, gruns, garea in gt[t]:
            best, biou = None, 0.5
            for pid, pcls, pruns, parea in pred.get(t, []):
                if pcls != gcls or pid in taken:
                    continue
                inter = overlap(gruns, pruns)
                iou = inter / (garea + parea - inter) if inter else 0
                if iou > biou:
                    best, biou = pid, iou
            if best is None:
                continue
            taken.add(best)
            if gid in last and last[gid] != best:
                switches[t] = switches.get(t, 0) + 1
            last[gid] = best
    print(json.dumps({"id_switches": sum(switches.values()),
                      "at_boundaries": sum(switches.get(b, 0) for b in bounds),
                      "frames": {str(k): v for k, v in sorted(switches.items())}}))


if __name__ == "__main__":
    main()
