#!/usr/bin/env python3
"""Builds the Mask R-CNN parity fixtures under Tests/Fixtures/parity/.

Run by a developer, never by CI (it needs torch and torchvision from PyPI):

    python3 -m venv /tmp/tv && /tmp/tv/bin/pip install torch torchvision pycocotools
    /tmp/tv/bin/python scripts/make_parity_fixtures.py

For each model (an R18-FPN and an R50-FPN) it fills every parameter from a
seeded generator that the Swift tests reproduce bit for bit (see
`Sources/VPSDetection/SeededWeights.swift`):

    per parameter: SplitMix64 seeded with seed XOR fnv1a64(name);
    u = (z >> 11) * 2**-53; value = float32(low + (high - low) * u), in double.

The fixture stores the generator, the seed, each parameter's name, shape and
[low, high], and a few check values. It runs torchvision on real pixels that
FFmpeg decodes exactly as vps does (rgb24, bilinear+accurate_rnd+full_chroma_int)
and stores a CRC32 of those bytes, FPN feature samples, the first RPN
proposals, and the final detections (boxes, labels, scores, masks as COCO RLE).
"""
import json
import math
import os
import subprocess
import sys
import zlib

import numpy as np
import torch
import torch.nn as nn
import torchvision
from pycocotools import mask as mask_utils
from torchvision.models.detection import MaskRCNN, maskrcnn_resnet50_fpn
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone

DATA = "/usr/share/doc/opencv-doc/examples/data"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "parity")
MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
CLS_SCALE = float(os.environ.get("CLS_SCALE", "1"))


def fnv1a64(name):
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & MASK64
    return h


def splitmix_uniform(seed, n):
    """u in [0, 1) for the first n outputs of SplitMix64(seed)."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(seed) + i * np.uint64(GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 ** -53)


def generate(seed, name, shape, low, high):
    n = int(np.prod(shape)) if len(shape) else 1
    u = splitmix_uniform((seed ^ fnv1a64(name)) & MASK64, n)
    return (low + (high - low) * u).astype(np.float32).reshape(shape)


def r6(x):
    """Rounds to 6 significant digits so that JSON carries the range exactly."""
    return float(f"{x:.6g}")


def param_range(name, shape, block):
    """[low, high] for each parameter; tuned so random models give real detections."""
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    he = math.sqrt(6.0 / fan_in)
    lin = math.sqrt(3.0 / fan_in)
    last_bn = "bn3" if block == "bottleneck" else "bn2"
    if name.endswith("running_mean"):
        return -0.1, 0.1
    if name.endswith("running_var"):
        return 0.8, 1.2
    if ".bn" in name or "downsample.1" in name:
        if name.endswith(".weight"):
            return (0.2, 0.4) if f".{last_bn}." in name else (0.7, 1.1)
        return -0.1, 0.1
    if name.endswith(".bias"):
        return -0.01, 0.01
    if "cls_logits" in name:
        return -lin, lin  # logits within about ±8: sigmoid must not saturate to 1.0 (ties)
    if "rpn.head.bbox_pred" in name:
        return -0.1 * lin, 0.1 * lin
    if "cls_score" in name:
        return -CLS_SCALE * lin, CLS_SCALE * lin
    if "box_predictor.bbox_pred" in name:
        return -0.1 * lin, 0.1 * lin
    if "mask_fcn_logits" in name:
        return -20 * lin, 20 * lin
    if "fpn" in name:
        return -lin, lin
    if "conv5_mask" in name:
        f = shape[0] * shape[2] * shape[3]
        return -math.sqrt(6.0 / f), math.sqrt(6.0 / f)
    return -he, he


def fill(model, seed, block):
    params, sd = [], model.state_dict()
    new = {}
    for name, t in sd.items():
        if t.dtype != torch.float32:
            continue  # num_batches_tracked: int64, unused at inference
        shape = list(t.shape)
        lo, hi = param_range(name, shape, block)
        lo, hi = r6(lo), r6(hi)
        new[name] = torch.from_numpy(generate(seed, name, shape, lo, hi))
        params.append({"name": name, "shape": shape, "low": lo, "high": hi})
    missing, unexpected = model.load_state_dict(new, strict=False)
    assert not unexpected and all(m.endswith("num_batches_tracked") for m in missing), (missing, unexpected)
    checks = []
    for p in (params[0], params[len(params) // 2], params[-1]):
        flat = new[p["name"]].reshape(-1)
        for idx in (0, flat.numel() - 1):
            checks.append({"name": p["name"], "index": idx, "value": float(flat[idx])})
    return params, checks


def read_rgb(path, frame=None):
    cmd = ["ffmpeg", "-v", "error", "-i", path]
    if frame is not None:
        cmd += ["-vf", f"select=eq(n\\,{frame})"]
    cmd += ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-sws_flags", "bilinear+accurate_rnd+full_chroma_int", "-"]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "csv=p=0", path], check=True,
                           capture_output=True, text=True).stdout.split()[0].split(",")
    w, h = int(probe[0]), int(probe[1])
    assert len(raw) == w * h * 3, (path, len(raw), w, h)
    return raw, w, h


def feature_samples(t, count=48):
    _, c, h, w = t.shape
    out = []
    for i in range(count):
        ch, y, x = (i * 37 + 5) % c, (i * 13 + 3) % h, (i * 29 + 7) % w
        out.append([ch, y, x, float(t[0, ch, y, x])])
    return {"shape": list(t.shape), "meanAbs": float(t.abs().double().mean()), "samples": out}


def run_case(model, path, frame):
    raw, w, h = read_rgb(path, frame)
    img = torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(h, w, 3).permute(2, 0, 1).float() / 255.0
    captured = {}
    model.backbone.register_forward_hook(lambda m, i, o: captured.__setitem__("fpn", o))
    model.rpn.register_forward_hook(lambda m, i, o: captured.__setitem__("rpn", o))
    with torch.no_grad():
        images, _ = model.transform([img])
        out = model([img])[0]
    model.backbone._forward_hooks.clear()
    model.rpn._forward_hooks.clear()
    proposals = captured["rpn"][0][0]
    dets = []
    masks = (out["masks"][:, 0] > 0.5).numpy().astype(np.uint8)
    for i in range(out["boxes"].shape[0]):
        rle = mask_utils.encode(np.asfortranarray(masks[i]))
        dets.append({"box": [float(v) for v in out["boxes"][i]], "label": int(out["labels"][i]),
                     "score": float(out["scores"][i]),
                     "mask": {"size": [h, w], "counts": rle["counts"].decode("ascii")}})
    return {
        "input": path, "frame": frame, "width": w, "height": h, "crc32": zlib.crc32(raw),
        "transformedSize": list(images.image_sizes[0]), "paddedSize": list(images.tensors.shape[-2:]),
        "fpn": {k: feature_samples(v) for k, v in captured["fpn"].items()},
        "proposalCount": int(proposals.shape[0]),
        "proposals": [[float(v) for v in b] for b in proposals[:40]],
        "detections": dets,
    }


def coco_names():
    from torchvision.models._meta import _COCO_CATEGORIES
    return list(_COCO_CATEGORIES)


def swift_config(model, block, layers, stage_widths, det_per_img, score_thresh, min_size, max_size):
    t, rpn, rh = model.transform, model.rpn, model.roi_heads
    return {
        "architecture": "maskrcnn",
        "backbone": {"block": block, "layers": layers, "stemChannels": 64, "stageWidths": stage_widths,
                     "fpnChannels": 256, "batchNormEps": 1e-5},
        "transform": {"minSize": min_size, "maxSize": max_size, "mean": t.image_mean, "std": t.image_std,
                      "sizeDivisible": t.size_divisible},
        "anchors": {"sizes": [32, 64, 128, 256, 512], "aspectRatios": [0.5, 1.0, 2.0]},
        "rpn": {"preNMSTopN": rpn._pre_nms_top_n["testing"], "postNMSTopN": rpn._post_nms_top_n["testing"],
                "nmsThreshold": rpn.nms_thresh, "scoreThreshold": rpn.score_thresh, "minSize": rpn.min_size},
        "roiHeads": {"boxPoolSize": 7, "maskPoolSize": 14, "samplingRatio": 2, "representationSize": 1024,
                     "maskLayers": [256, 256, 256, 256], "boxCoderWeights": list(rh.box_coder.weights),
                     "scoreThreshold": score_thresh, "nmsThreshold": rh.nms_thresh,
                     "detectionsPerImage": det_per_img, "maskThreshold": 0.5},
        "classNames": coco_names(),
    }


def build(spec):
    kw = dict(min_size=spec["min_size"], max_size=spec["max_size"], box_score_thresh=spec["score_thresh"],
              box_detections_per_img=spec["det"])
    if spec["depth"] == 50:
        model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, **kw)
        block, layers = "bottleneck", [3, 4, 6, 3]
    else:
        backbone = resnet_fpn_backbone(backbone_name=f"resnet{spec['depth']}", weights=None,
                                       norm_layer=nn.BatchNorm2d, trainable_layers=5)
        model = MaskRCNN(backbone, num_classes=91, **kw)
        block, layers = "basic", {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}[spec["depth"]]
    model.eval()
    return model, block, layers


SPECS = [
    {"name": "r18_fpn", "depth": 18, "seed": 18, "min_size": 480, "max_size": 800, "score_thresh": 0.05, "det": 50,
     "cases": [(f"{DATA}/basketball1.png", None), (f"{DATA}/fruits.jpg", None), (f"{DATA}/vtest.avi", 0),
               (f"{DATA}/vtest.avi", 40)]},
    {"name": "r50_fpn", "depth": 50, "seed": 50, "min_size": 800, "max_size": 1333, "score_thresh": 0.05, "det": 100,
     "cases": [(f"{DATA}/vtest.avi", 10)]},
]


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    only = sys.argv[1:]
    os.makedirs(OUT, exist_ok=True)
    for spec in SPECS:
        if only and spec["name"] not in only:
            continue
        model, block, layers = build(spec)
        params, checks = fill(model, spec["seed"], block)
        cfg = swift_config(model, block, layers, [64, 128, 256, 512], spec["det"], spec["score_thresh"],
                           spec["min_size"], spec["max_size"])
        cases = [run_case(model, p, f) for p, f in spec["cases"]]
        for c in cases:
            s = [d["score"] for d in c["detections"]]
            print(f"{spec['name']} {os.path.basename(c['input'])}[{c['frame']}]: {len(s)} detections, "
                  f"scores {min(s, default=0):.3f}..{max(s, default=0):.3f}, proposals {c['proposalCount']}, "
                  f"labels {sorted(set(d['label'] for d in c['detections']))[:10]}")
        doc = {"name": spec["name"], "torch": torch.__version__, "torchvision": torchvision.__version__,
               "config": cfg,
               "weights": {"generator": "splitmix64-fnv1a64", "seed": spec["seed"], "params": params,
                           "checks": checks},
               "cases": cases}
        path = os.path.join(OUT, f"{spec['name']}.json")
        with open(path, "w") as f:
            json.dump(doc, f, separators=(",", ":"))
        print(path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
