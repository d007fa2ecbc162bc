#!/usr/bin/env python3
"""Builds Tests/Fixtures/parity/r18_fpn_heads.json: parity for the extra heads.

Run by a developer, never by CI (needs torch and torchvision, see
make_parity_fixtures.py):

    /tmp/tv/bin/python scripts/make_head_fixtures.py

The model is make_parity_fixtures.py's seeded R18-FPN (same seed, so the same
Mask R-CNN weights bit for bit) plus the heads of scripts/vps_heads.py, whose
parameters come from the same SplitMix64 scheme: a track head (fcs 1024,
1024) and a Panoptic-FPN semantic head with 4 classes ('things' + 3 stuff).
The predictor's weights are scaled so that every class wins somewhere.

Per case the fixture holds:
- the first EMBEDDED detections (box in input and in resized-image pixels,
  label, score) with both embeddings, track head and pooled fallback, as
  base64 of little-endian float32, computed from torchvision's own boxes;
- samples of the semantic logits at stride 4 (before any upsampling);
- the semantic label map at the input's size, run-length coded in row-major
  order as [class, run, class, run, ...].
"""
import base64
import json
import math
import os
import sys

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_parity_fixtures as base  # noqa: E402
from vps_heads import ExtraHeads, run_heads  # noqa: E402

SEMANTIC_CLASSES = ["things", "road", "sky", "vegetation"]
PREDICTOR_SCALE = 4.0
EMBEDDED = 8
SPEC = dict(next(s for s in base.SPECS if s["name"] == "r18_fpn"))
SPEC["cases"] = [(f"{base.DATA}/fruits.jpg", None), (f"{base.DATA}/vtest.avi", 40)]


def head_range(name, shape):
    """[low, high] of a head parameter (the Mask R-CNN keeps make_parity_fixtures' ranges)."""
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    lin = math.sqrt(3.0 / fan_in)
    if ".norm.weight" in name:
        return 0.7, 1.1
    if ".norm.bias" in name:
        return -1.6, -1.2  # sparse ReLU outputs: the mean no longer decides the argmax
    if name.endswith(".bias"):
        return -0.01, 0.01
    if name.startswith("sem_seg_head.predictor"):
        return -PREDICTOR_SCALE * lin, PREDICTOR_SCALE * lin
    if name.startswith("track_head"):
        return -lin, lin
    return -math.sqrt(6.0 / fan_in), math.sqrt(6.0 / fan_in)  # He for the 3x3 convs


def fill_heads(heads, seed):
    params, new = [], {}
    for name, t in heads.state_dict().items():
        shape = list(t.shape)
        lo, hi = (base.r6(v) for v in head_range(name, shape))
        new[name] = torch.from_numpy(base.generate(seed, name, shape, lo, hi))
        params.append({"name": name, "shape": shape, "low": lo, "high": hi})
    heads.load_state_dict(new, strict=True)
    checks = []
    for p in (params[0], params[-1]):
        flat = new[p["name"]].reshape(-1)
        for idx in (0, flat.numel() - 1):
            checks.append({"name": p["name"], "index": idx, "value": float(flat[idx])})
    return params, checks


def b64(t):
    return base64.b64encode(t.detach().numpy().astype("<f4").tobytes()).decode("ascii")


def label_runs(labels):
    flat = labels.reshape(-1).numpy()
    edges = np.flatnonzero(np.diff(flat)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [flat.size]])
    out = []
    for s, e in zip(starts, ends):
        out += [int(flat[s]), int(e - s)]
    return out


def run_case(model, heads, path, frame):
    raw, w, h = base.read_rgb(path, frame)
    img = torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(h, w, 3).permute(2, 0, 1).float() / 255.0
    r = run_heads(model, heads, img)
    rh, rw = r["resized"]
    sy, sx = h / rh, w / rw  # torchvision's resize_boxes ratios
    dets = []
    for i in range(min(EMBEDDED, r["boxes"].shape[0])):
        b = r["boxes"][i]
        dets.append({"resizedBox": [float(v) for v in b],
                     "box": [float(b[0] * sx), float(b[1] * sy), float(b[2] * sx), float(b[3] * sy)],
                     "label": int(r["labels"][i]), "score": float(r["scores"][i]),
                     "track": b64(r["track"][i]), "pooled": b64(r["pooled"][i])})
    counts = torch.bincount(r["semantic"].reshape(-1), minlength=len(SEMANTIC_CLASSES)).tolist()
    return {"input": path, "frame": frame, "width": w, "height": h, "crc32": base.zlib.crc32(raw),
            "transformedSize": r["resized"], "paddedSize": r["padded"],
            "detectionCount": int(r["boxes"].shape[0]), "detections": dets,
            "semanticLogits": base.feature_samples(r["logits"], count=64),
            "semanticPixels": counts, "semanticRuns": label_runs(r["semantic"])}


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    model, block, layers = base.build(SPEC)
    params, checks = base.fill(model, SPEC["seed"], block)
    heads = ExtraHeads(len(SEMANTIC_CLASSES)).eval()
    head_params, head_checks = fill_heads(heads, SPEC["seed"])
    cfg = base.swift_config(model, block, layers, [64, 128, 256, 512], SPEC["det"], SPEC["score_thresh"],
                            SPEC["min_size"], SPEC["max_size"])
    cfg["trackHead"] = {"poolSize": 7, "fcDims": [1024, 1024]}
    cfg["semanticHead"] = {"convDims": 128, "commonStride": 4, "groupNormGroups": 32, "classNames": SEMANTIC_CLASSES}
    cases = [run_case(model, heads, p, f) for p, f in SPEC["cases"]]
    for c in cases:
        print(f"{os.path.basename(c['input'])}[{c['frame']}]: {c['detectionCount']} detections, "
              f"semantic pixels per class {c['semanticPixels']}, {len(c['semanticRuns']) // 2} runs")
    doc = {"name": "r18_fpn_heads", "torch": torch.__version__, "torchvision": torchvision.__version__,
           "config": cfg,
           "weights": {"generator": "splitmix64-fnv1a64", "seed": SPEC["seed"], "params": params + head_params,
                       "checks": checks + head_checks},
           "cases": cases}
    path = os.path.join(base.OUT, "r18_fpn_heads.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
