#!/usr/bin/env python3
"""Builds the Detectron2 Panoptic FPN parity fixtures under Tests/Fixtures/detectron2/.

Run by a developer, never by CI. It needs torch and torchvision (CPU, from
PyPI) and a local copy of Detectron2's source on PYTHONPATH; Detectron2's
C++ extension is not needed (Panoptic FPN inference uses torchvision ops):

    PYTHONPATH=/path/to/detectron2 python scripts/make_detectron2_fixtures.py

The model is Detectron2's `panoptic_fpn_R_50` architecture (ResNet-50
bottlenecks, `STRIDE_IN_1X1`, FrozenBN, FPN, RPN, box and mask heads,
`SemSegFPNHead` with 54 classes, the COCO panoptic combine) made slim so
that its `.pkl` stays small: stem 16, res2 32 channels (bottleneck width 8),
FPN 32, box fc 64, mask convs 32, semantic convs 32. Every parameter is
drawn from a seeded generator (numpy PCG64), in ranges that make a random
model give real detections, stuff regions and panoptic segments.

It writes:
  panoptic_fpn_slim.pkl   the weights in model-zoo layout, float32
                          ({"model": {...}, "__author__": ...}, pickle protocol 4)
  panoptic_fpn_slim.json  the config, and per input: the resized uint8 image
                          (size, CRC32), FPN samples, the first proposals, the
                          detections (boxes, labels, scores, masks as COCO RLE),
                          the semantic labels and the panoptic map (both run-length
                          encoded, row-major) with its segments
Inputs are decoded by FFmpeg exactly as vps decodes them (rgb24).
"""
import json
import math
import os
import pickle
import subprocess
import sys
import zlib

import numpy as np
import torch
from PIL import Image
from pycocotools import mask as mask_utils

from detectron2.config import get_cfg
from detectron2.data import transforms as T
from detectron2.modeling import build_model

D2 = os.environ.get("DETECTRON2", "")
DATA = "/usr/share/doc/opencv-doc/examples/data"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "detectron2")
SEED = 2024
CASES = [(f"{DATA}/vtest.avi", 0), (f"{DATA}/vtest.avi", 1), (f"{DATA}/basketball1.png", None), (f"{DATA}/fruits.jpg", None)]
CLS_SCALE = float(os.environ.get("CLS_SCALE", "1"))
SEM_SCALE = float(os.environ.get("SEM_SCALE", "4"))


def config(slim=True):
    """Detectron2's panoptic_fpn_R_50_3x at test time; `slim`: the fixture's reduced widths and input size."""
    cfg = get_cfg()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__import__("detectron2").__file__)))
    cfg.merge_from_file(os.path.join(root, "configs", "COCO-PanopticSegmentation", "panoptic_fpn_R_50_3x.yaml"))
    cfg.MODEL.DEVICE = "cpu"
    cfg.MODEL.WEIGHTS = ""
    if not slim:
        return cfg
    cfg.MODEL.RESNETS.STEM_OUT_CHANNELS = 16
    cfg.MODEL.RESNETS.RES2_OUT_CHANNELS = 32
    cfg.MODEL.RESNETS.WIDTH_PER_GROUP = 8
    cfg.MODEL.FPN.OUT_CHANNELS = 32
    cfg.MODEL.ROI_BOX_HEAD.FC_DIM = 64
    cfg.MODEL.ROI_MASK_HEAD.CONV_DIM = 32
    cfg.MODEL.SEM_SEG_HEAD.CONVS_DIM = 32
    cfg.INPUT.MIN_SIZE_TEST = 320
    cfg.INPUT.MAX_SIZE_TEST = 512
    return cfg


def param_range(name, shape):
    """[low, high] for each parameter; tuned so that the random model gives
    detections above the panoptic score threshold and stuff regions."""
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    he = math.sqrt(6.0 / fan_in)
    lin = math.sqrt(3.0 / fan_in)
    if name.endswith("running_mean"):
        return -0.1, 0.1
    if name.endswith("running_var"):
        return 0.8, 1.2
    if ".norm." in name:
        if name.endswith(".weight"):
            return (0.2, 0.4) if ".conv3.norm" in name else (0.7, 1.1)
        return -0.1, 0.1
    if name == "backbone.bottom_up.stem.conv1.weight":
        return -he / 58, he / 58  # inputs are 0-255 minus the mean, with std 1
    if "cls_score" in name:
        return (-CLS_SCALE * lin, CLS_SCALE * lin) if name.endswith("weight") else (-0.5, 0.5)
    if "sem_seg_head.predictor" in name:
        return (-SEM_SCALE * lin, SEM_SCALE * lin) if name.endswith("weight") else (-1.0, 1.0)
    if name.endswith(".bias"):
        return -0.01, 0.01
    if "objectness_logits" in name:
        return -lin, lin
    if "anchor_deltas" in name or "box_predictor.bbox_pred" in name:
        return -0.1 * lin, 0.1 * lin
    if "mask_head.predictor" in name:
        return -20 * lin, 20 * lin
    if "fpn" in name or "box_head.fc" in name:
        return -lin, lin
    if "mask_head.deconv" in name:
        f = shape[1] * shape[2] * shape[3]
        return -math.sqrt(6.0 / f), math.sqrt(6.0 / f)
    return -he, he


def fill(model):
    rng = np.random.Generator(np.random.PCG64(SEED))
    sd = model.state_dict()
    new = {}
    for name in sorted(sd):
        t = sd[name]
        if t.dtype != torch.float32:
            continue
        lo, hi = param_range(name, list(t.shape))
        new[name] = torch.from_numpy(rng.uniform(lo, hi, size=tuple(t.shape)).astype(np.float32))
    missing, unexpected = model.load_state_dict(new, strict=False)
    assert not unexpected and not missing, (missing, unexpected)
    return new


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
    return np.frombuffer(raw, dtype=np.uint8).reshape(h, w, 3), zlib.crc32(raw)


def runs(a):
    """Row-major run-length encoding: [value, count, value, count, …]."""
    flat = np.asarray(a).reshape(-1)
    if flat.size == 0:
        return []
    edges = np.flatnonzero(np.diff(flat)) + 1
    starts = np.concatenate([[0], edges])
    counts = np.diff(np.concatenate([starts, [flat.size]]))
    return [int(v) for pair in zip(flat[starts], counts) for v in pair]


def samples(t, count=32):
    _, c, h, w = t.shape
    out = []
    for i in range(count):
        ch, y, x = (i * 37 + 5) % c, (i * 13 + 3) % h, (i * 29 + 7) % w
        out.append([ch, y, x, float(t[0, ch, y, x])])
    return out


def run_case(model, cfg, path, frame):
    rgb, crc = read_rgb(path, frame)
    h, w = rgb.shape[:2]
    bgr = rgb[:, :, ::-1]
    aug = T.ResizeShortestEdge([cfg.INPUT.MIN_SIZE_TEST, cfg.INPUT.MIN_SIZE_TEST], cfg.INPUT.MAX_SIZE_TEST)
    resized = aug.get_transform(bgr).apply_image(bgr)
    image = torch.as_tensor(resized.astype("float32").transpose(2, 0, 1))
    captured = {}
    hooks = [model.backbone.register_forward_hook(lambda m, i, o: captured.__setitem__("fpn", o)),
             model.proposal_generator.register_forward_hook(lambda m, i, o: captured.__setitem__("rpn", o))]
    with torch.no_grad():
        out = model([{"image": image, "height": h, "width": w}])[0]
    for hk in hooks:
        hk.remove()
    inst = out["instances"]
    masks = inst.pred_masks.numpy().astype(np.uint8)
    dets = []
    for i in range(len(inst)):
        rle = mask_utils.encode(np.asfortranarray(masks[i]))
        dets.append({"box": [float(v) for v in inst.pred_boxes.tensor[i]], "label": int(inst.pred_classes[i]),
                     "score": float(inst.scores[i]), "mask": {"size": [h, w], "counts": rle["counts"].decode("ascii")}})
    proposals = captured["rpn"][0][0].proposal_boxes.tensor
    pan, segments = out["panoptic_seg"]
    return {
        "input": os.path.basename(path), "frame": frame, "width": w, "height": h, "crc32": crc,
        "resized": {"height": int(resized.shape[0]), "width": int(resized.shape[1]),
                    "crc32": zlib.crc32(np.ascontiguousarray(resized[:, :, ::-1]).tobytes())},
        "fpn": {k: {"shape": list(v.shape), "samples": samples(v)} for k, v in captured["fpn"].items()},
        "proposalCount": int(proposals.shape[0]),
        "proposals": [[float(v) for v in b] for b in proposals[:40]],
        "detections": dets,
        "semantic": runs(out["sem_seg"].argmax(dim=0).numpy()),
        "panoptic": {"ids": runs(pan.numpy()),
                     "segments": [{k: (bool(v) if k == "isthing" else (float(v) if k == "score" else int(v)))
                                   for k, v in s.items()} for s in segments]},
    }


def main():
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    cfg = config()
    cfg.freeze()
    model = build_model(cfg)
    model.eval()
    weights = fill(model)
    os.makedirs(OUT, exist_ok=True)
    zoo = {"model": {k: v.numpy() for k, v in weights.items()},
           "__author__": f"vps scripts/make_detectron2_fixtures.py, seed {SEED}"}
    zoo["model"]["pixel_mean"] = np.array(cfg.MODEL.PIXEL_MEAN, dtype=np.float32).reshape(3, 1, 1)
    zoo["model"]["pixel_std"] = np.array(cfg.MODEL.PIXEL_STD, dtype=np.float32).reshape(3, 1, 1)
    pkl = os.path.join(OUT, "panoptic_fpn_slim.pkl")
    with open(pkl, "wb") as f:
        pickle.dump(zoo, f, protocol=4)
    cases = []
    for p, fr in CASES:
        c = run_case(model, cfg, p, fr)
        s = [d["score"] for d in c["detections"]]
        things = sum(1 for g in c["panoptic"]["segments"] if g["isthing"])
        print(f"{c['input']}[{fr}]: {len(s)} detections, scores {min(s, default=0):.3f}..{max(s, default=0):.3f}, "
              f"{sum(v > 0.5 for v in s)} > 0.5, labels {sorted(set(d['label'] for d in c['detections']))[:8]}, "
              f"segments {len(c['panoptic']['segments'])} ({things} things), "
              f"semantic classes {sorted(set(c['semantic'][0::2]))[:10]}", file=sys.stderr)
        cases.append(c)
    # Pillow's bilinear resize alone, shrinking and enlarging (real model-zoo
    # weights run at 800/1333, which enlarges vtest.avi's 768x576).
    resizes = []
    for p, fr in CASES[::2]:
        rgb, crc = read_rgb(p, fr)
        h, w = rgb.shape[:2]
        for nh, nw in ((800, 1067), (331, 443), (97, 131), (h, w + 5), (h - 7, w)):
            out = np.asarray(Image.fromarray(rgb).resize((nw, nh), Image.BILINEAR))
            resizes.append({"input": os.path.basename(p), "frame": fr, "height": nh, "width": nw,
                            "crc32": zlib.crc32(np.ascontiguousarray(out).tobytes())})
    mc = cfg.MODEL
    doc = {
        "torch": torch.__version__, "seed": SEED, "pkl": os.path.basename(pkl),
        "config": {
            "minSize": cfg.INPUT.MIN_SIZE_TEST, "maxSize": cfg.INPUT.MAX_SIZE_TEST,
            "pixelMean": list(mc.PIXEL_MEAN), "pixelStd": list(mc.PIXEL_STD),
            "stemChannels": mc.RESNETS.STEM_OUT_CHANNELS, "res2Channels": mc.RESNETS.RES2_OUT_CHANNELS,
            "widthPerGroup": mc.RESNETS.WIDTH_PER_GROUP, "fpnChannels": mc.FPN.OUT_CHANNELS,
            "fcDim": mc.ROI_BOX_HEAD.FC_DIM, "maskConvDim": mc.ROI_MASK_HEAD.CONV_DIM,
            "semConvDim": mc.SEM_SEG_HEAD.CONVS_DIM,
            "combine": {"overlap": mc.PANOPTIC_FPN.COMBINE.OVERLAP_THRESH,
                        "stuffArea": mc.PANOPTIC_FPN.COMBINE.STUFF_AREA_LIMIT,
                        "instanceScore": mc.PANOPTIC_FPN.COMBINE.INSTANCES_CONFIDENCE_THRESH},
        },
        "cases": cases,
        "pillowResizes": resizes,
    }
    path = os.path.join(OUT, "panoptic_fpn_slim.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(pkl, os.path.getsize(pkl), "bytes;", path, os.path.getsize(path), "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
