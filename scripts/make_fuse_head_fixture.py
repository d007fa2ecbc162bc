#!/usr/bin/env python3
"""Builds Tests/Fixtures/parity/fuse_head.json: parity for the learned fusion head.

Run by a developer, never by CI (needs torch):

    /tmp/tv/bin/python scripts/make_fuse_head_fixture.py

The reference is `FuseHead` of scripts/vps_heads.py (with its `feature_warp`,
vps's FeatureWarp written in torch). Everything comes from torch's generator
under a fixed seed: a 12-channel pyramid of five levels (P2..P6 of a
32 x 64 padded input whose resized image is 30 x 58, so part of each level is
padding), the previous frame's pyramid (the current one shifted, scaled and
noised, so the attention spreads over (0, 1)), a motion map (a translation, a
swirl and a block moving 40 px, so some samples leave the frame) and the head's
weights, scaled so that the residual matters (an untrained head is zero).

The fixture holds the weights under their checkpoint names and every tensor as
base64 of little-endian float32 (levels N x C x H x W, the flow H x W x 2 as
FlowField stores it), plus each level's fused output and its count of valid
cells.
"""
import argparse
import base64
import json
import os
import sys
from collections import OrderedDict

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vps_heads import FuseHead, feature_warp  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CHANNELS, EMBED = 12, 6
PADDED, RESIZED = (32, 64), (30, 58)
LEVELS = [(8, 16), (4, 8), (2, 4), (1, 2), (1, 1)]  # P2..P6


def b64(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype("<f4").tobytes()).decode("ascii")


def motion(h, w, g):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    fx = 3.3 + 2.5 * torch.sin(ys / 5) + 0.3 * torch.randn((h, w), generator=g)
    fy = -2.1 + 2.5 * torch.cos(xs / 7) + 0.3 * torch.randn((h, w), generator=g)
    fx[5:15, 40:55] += 40  # leaves the frame
    return torch.stack([fx, fy])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2611)
    ap.add_argument("--out", default=os.path.join(ROOT, "Tests", "Fixtures", "parity", "fuse_head.json"))
    args = ap.parse_args()
    g = torch.Generator().manual_seed(args.seed)
    head = FuseHead(CHANNELS, EMBED)
    with torch.no_grad():
        head.embed.weight.copy_(0.5 * torch.randn(head.embed.weight.shape, generator=g))
        head.embed.bias.copy_(0.1 * torch.randn(head.embed.bias.shape, generator=g))
        head.fuse.weight.copy_(0.1 * torch.randn(head.fuse.weight.shape, generator=g))
        head.fuse.bias.copy_(0.1 * torch.randn(head.fuse.bias.shape, generator=g))
    current, previous = OrderedDict(), OrderedDict()
    for i, (h, w) in enumerate(LEVELS):
        c = torch.randn((1, CHANNELS, h, w), generator=g)
        current[str(i)] = c
        previous[str(i)] = 0.8 * c.roll(1, dims=-1) + 0.6 * torch.randn((1, CHANNELS, h, w), generator=g)
    flow = motion(*RESIZED, g)
    with torch.no_grad():
        fused = head(current, previous, flow, PADDED[1])
    levels = []
    for k in current:
        stride = PADDED[1] // current[k].shape[-1]
        _, valid = feature_warp(previous[k], stride, flow)
        levels.append({"shape": list(current[k].shape), "current": b64(current[k]), "previous": b64(previous[k]),
                       "fused": b64(fused[k]), "validCells": int(valid.sum())})
    fixture = {
        "channels": CHANNELS, "embedDims": EMBED, "paddedSize": list(PADDED), "resizedSize": list(RESIZED),
        "flow": b64(flow.permute(1, 2, 0)),
        "weights": {name: {"shape": list(t.shape), "values": b64(t)} for name, t in
                    (("fuse_head." + n, p) for n, p in head.state_dict().items())},
        "levels": levels,
    }
    with open(args.out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: valid cells per level {[lv['validCells'] for lv in levels]}")


if __name__ == "__main__":
    main()
