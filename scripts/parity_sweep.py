#!/usr/bin/env python3
"""Randomized differential test of `vps segment` against torchvision's Mask R-CNN.
Run by a developer, never by CI (it needs torch):

    nice -n 5 /tmp/tv/bin/python scripts/parity_sweep.py --cases 200 --seed 1 --out /tmp/sweep \\
        [--vps .build/release/vps] [--until 11:05] [--r50-every 4] [--only CASE]

Each case draws, from one seeded RNG (so a case is reproduced by --seed and
--only CASE, whatever ran before it):

- a model seed; R18-FPN or R50-FPN (every --r50-every'th case is R50). The
  model is torchvision's, built under `torch.manual_seed(model_seed)` with
  random initialisation (nn.BatchNorm2d, eps 1e-5), then
  `roi_heads.box_predictor.cls_score.weight` ×4, `rpn.head.cls_logits.weight` ×2
  and `roi_heads.mask_predictor.mask_fcn_logits.weight` ×20 (the recipe of
  scripts/make_thin_box_fixture.py), saved as `.pth`;
- an input: an opencv-doc image or a frame of one of its videos, optionally
  cropped to a random aspect ratio and scaled, written as an rgb24 PNG by
  FFmpeg; both sides read that PNG's pixels as vps decodes them (rgb24,
  bilinear+accurate_rnd+full_chroma_int);
- a (min_size, max_size) pair and a score threshold.

torchvision runs with `torch.set_num_threads(1)`, vps with `--threads 1` and a
`--model-config` that sets the backbone and the transform sizes. torchvision's
"N/A" labels are dropped (vps drops them after the model's top-k). Detections
are matched one to one within a label, greedily by IoU (highest first, IoU >
0.5). Per case it reports the counts, the worst box difference (px, max over
coordinates), the worst score difference and the worst mask IoU (for masks
under 64 px in both, the XOR pixel count instead); for the worst mask it
also gives how close torchvision's expanded paste box comes to an integer
(`paste_edge_to_int`: near 0 means the mask moved a pixel because the box
crossed a truncation boundary). A case whose counts or
labels differ, or that leaves a detection unmatched, is printed with its
recipe; a detection is flagged "borderline" when its score is within 1e-4 of
the threshold or tied with torchvision's last score at the 100-detection cap
(a tie, not a bug). Other unmatched detections (e.g. two boxes whose IoU sits
at the NMS threshold, 0.5) are reported as DIFF and need a look. A JSON summary (cases and worst values) goes to OUT/summary.json after
every case.
"""
import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from pycocotools import mask as mask_utils
from torchvision.models.detection import MaskRCNN, maskrcnn_resnet50_fpn
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
from torchvision.ops import box_iou

DATA = "/usr/share/doc/opencv-doc/examples/data"
IMAGES = ["graf1.png", "pic1.png", "pic3.png", "pic5.png", "baboon.jpg", "messi5.jpg", "fruits.jpg",
          "home.jpg", "board.jpg", "butterfly.jpg", "lena.jpg", "box_in_scene.png", "basketball1.png",
          "aero1.jpg", "building.jpg", "orange.jpg", "starry_night.jpg", "chicky_512.png", "left01.jpg"]
VIDEOS = [("vtest.avi", 795), ("Megamind.avi", 270)]
NA_LABELS = {12, 26, 29, 30, 45, 66, 68, 69, 71, 83}
R18_SIZES = [(256, 400), (320, 512), (320, 400), (400, 666), (480, 800), (224, 320)]
R50_SIZES = [(256, 400), (320, 512), (400, 666), (480, 800)]
THRESHOLDS = [0.05, 0.05, 0.2, 0.5, 0.7, 0.9]
SMALL_MASK = 64


def run(cmd):
    return subprocess.run(cmd, check=True, capture_output=True)


def draw_case(seed, index, r50_every):
    rng = random.Random(f"{seed}:{index}")
    case = {"index": index, "model_seed": rng.randrange(1, 100000),
            "depth": 50 if r50_every and index % r50_every == r50_every - 1 else 18}
    if rng.random() < 0.3:
        name, frames = rng.choice(VIDEOS)
        case["input"] = {"video": name, "frame": rng.randrange(frames)}
    else:
        case["input"] = {"image": rng.choice([i for i in IMAGES if os.path.exists(os.path.join(DATA, i))])}
    r = rng.random()
    if r < 0.4:
        case["crop"] = None  # the whole picture
    else:
        # a crop of random aspect ratio (down to 1:4 or 4:1; relative to the source)
        fw, fh = rng.uniform(0.2, 1.0), rng.uniform(0.2, 1.0)
        case["crop"] = [round(fw, 3), round(fh, 3), round(rng.random(), 3), round(rng.random(), 3)]
    case["scale"] = rng.choice([None, None, 0.5, 0.75, 1.5])
    sizes = R50_SIZES if case["depth"] == 50 else R18_SIZES
    case["min_size"], case["max_size"] = rng.choice(sizes)
    case["score_threshold"] = rng.choice(THRESHOLDS)
    return case


def make_input(case, path):
    inp = case["input"]
    src = os.path.join(DATA, inp.get("image") or inp["video"])
    filters = []
    if "frame" in inp:
        filters.append(f"select=eq(n\\,{inp['frame']})")
    if case["crop"]:
        fw, fh, px, py = case["crop"]
        filters.append(f"crop=trunc(iw*{fw}/2)*2:trunc(ih*{fh}/2)*2:"
                       f"trunc((iw-trunc(iw*{fw}/2)*2)*{px}):trunc((ih-trunc(ih*{fh}/2)*2)*{py})")
    if case["scale"]:
        s = case["scale"]
        filters.append(f"scale=trunc(iw*{s}/2)*2:trunc(ih*{s}/2)*2")
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", src]
    if filters:
        cmd += ["-vf", ",".join(filters)]
    cmd += ["-frames:v", "1", "-pix_fmt", "rgb24", "-sws_flags", "bilinear+accurate_rnd+full_chroma_int", path]
    run(cmd)


def read_rgb(path):
    raw = run(["ffmpeg", "-v", "error", "-i", path, "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-sws_flags", "bilinear+accurate_rnd+full_chroma_int", "-"]).stdout
    w, h = map(int, run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                         "stream=width,height", "-of", "csv=p=0", path]).stdout.decode().split()[0].split(","))
    assert len(raw) == w * h * 3
    return np.frombuffer(raw, np.uint8).reshape(h, w, 3), w, h


def build_model(case):
    torch.manual_seed(case["model_seed"])
    kw = dict(min_size=case["min_size"], max_size=case["max_size"], box_score_thresh=case["score_threshold"])
    if case["depth"] == 50:
        model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, **kw)
    else:
        backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None, norm_layer=nn.BatchNorm2d,
                                       trainable_layers=5)
        model = MaskRCNN(backbone, num_classes=91, **kw)
    with torch.no_grad():
        model.roi_heads.box_predictor.cls_score.weight.mul_(4)
        model.rpn.head.cls_logits.weight.mul_(2)
        model.roi_heads.mask_predictor.mask_fcn_logits.weight.mul_(20)
    return model.eval()


def model_config(case):
    cfg = {"backbone": {"batchNormEps": 1e-5},
           "transform": {"minSize": case["min_size"], "maxSize": case["max_size"]}}
    if case["depth"] == 18:
        cfg["backbone"].update(block="basic", layers=[2, 2, 2, 2])
    return cfg


def torchvision_dets(model, image):
    x = torch.from_numpy(image.copy()).permute(2, 0, 1).float() / 255
    with torch.no_grad():
        out = model([x])[0]
    keep = [i for i, l in enumerate(out["labels"].tolist()) if l not in NA_LABELS]
    masks = (out["masks"][:, 0] > 0.5).numpy()
    return {"raw_count": len(out["labels"]), "boxes": out["boxes"][keep].double(),
            "scores": out["scores"][keep].double(), "labels": out["labels"][keep].tolist(),
            "masks": masks[keep], "raw_scores": out["scores"].tolist()}


def vps_dets(vps, png, weights, cfg_path, thr, work, w, h):
    export = os.path.join(work, "dets.json")
    run([vps, "segment", png, "-o", os.path.join(work, "out.mp4"), "--weights", weights,
         "--model-config", cfg_path, "--score-threshold", str(thr), "--export", export, "--format", "coco",
         "--threads", "1", "--quiet"])
    with open(export) as f:
        doc = json.load(f)
    anns = sorted(doc["annotations"], key=lambda a: -a["score"])
    boxes, scores, labels, masks = [], [], [], []
    for a in anns:
        x, y, bw, bh = a["bbox"]
        boxes.append([x, y, x + bw, y + bh])
        scores.append(a["score"])
        labels.append(a["category_id"])
        seg = a["segmentation"]
        if isinstance(seg, dict) and isinstance(seg.get("counts"), list):
            seg = mask_utils.frPyObjects(seg, *seg["size"])
        masks.append(mask_utils.decode(seg).astype(bool))
    return {"boxes": torch.tensor(boxes, dtype=torch.float64).reshape(-1, 4), "scores": torch.tensor(scores, dtype=torch.float64),
            "labels": labels, "masks": np.array(masks).reshape(-1, h, w)}


def paste_edge_distance(box, m=28):
    """How close torchvision's paste_masks_in_image comes to an integer when
    it truncates the box, expanded by (m + 2) / m, to int64: a box that moves
    by a thousandth of a pixel across that boundary moves its pasted mask by
    one pixel (a tie amplified by the truncation, not a numeric error)."""
    b = box.double()
    cx, cy = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    hw, hh = (b[2] - b[0]) / 2 * (m + 2) / m, (b[3] - b[1]) / 2 * (m + 2) / m
    e = torch.stack([cx - hw, cy - hh, cx + hw, cy + hh])
    return round(float((e - e.round()).abs().min()), 5)


def compare(tv, vp, thr):
    n, m = len(tv["labels"]), len(vp["labels"])
    pairs, used_t, used_v = [], set(), set()
    if n and m:
        iou = box_iou(tv["boxes"], vp["boxes"]).numpy()
        same = np.equal.outer(np.array(tv["labels"]), np.array(vp["labels"]))
        iou = np.where(same, iou, -1)
        for flat in np.argsort(-iou, axis=None, kind="stable"):
            i, j = divmod(int(flat), m)
            if iou[i, j] <= 0.5:
                break
            if i in used_t or j in used_v:
                continue
            used_t.add(i), used_v.add(j), pairs.append((i, j))
    res = {"tv": n, "vps": m, "matched": len(pairs), "box": 0.0, "score": 0.0, "mask_iou": 1.0, "mask_px": 0}
    for i, j in pairs:
        res["box"] = max(res["box"], float((tv["boxes"][i] - vp["boxes"][j]).abs().max()))
        res["score"] = max(res["score"], abs(float(tv["scores"][i] - vp["scores"][j])))
        a, b = tv["masks"][i], vp["masks"][j]
        sa, sb = int(a.sum()), int(b.sum())
        if max(sa, sb) < SMALL_MASK:
            res["mask_px"] = max(res["mask_px"], int((a ^ b).sum()))
        else:
            iou = float((a & b).sum() / max(1, (a | b).sum()))
            if iou < res["mask_iou"]:
                res["mask_iou"] = iou
                res["mask_pair"] = {"label": tv["labels"][i], "box": [round(float(v), 3) for v in tv["boxes"][i]],
                                    "pixels": [sa, int(b.sum())],
                                    "paste_edge_to_int": paste_edge_distance(tv["boxes"][i])}
    unmatched = []
    for side, d, used in (("torchvision", tv, used_t), ("vps", vp, used_v)):
        for k in range(len(d["labels"])):
            if k not in used:
                s = float(d["scores"][k])
                # at the threshold, or tied with torchvision's last detection at the 100 cap
                border = abs(s - thr) < 1e-4 or (tv["raw_count"] == 100 and abs(s - min(tv["raw_scores"])) <= 1e-6)
                unmatched.append({"side": side, "label": d["labels"][k], "score": s,
                                  "box": [round(float(v), 3) for v in d["boxes"][k]], "borderline": border})
    res["unmatched"] = unmatched
    res["labels_differ"] = sorted(tv["labels"]) != sorted(vp["labels"])
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="/tmp/parity_sweep")
    ap.add_argument("--vps", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "vps"))
    ap.add_argument("--r50-every", type=int, default=4, help="every N'th case is R50 (0: none)")
    ap.add_argument("--until", help="HH:MM UTC: start no case after this")
    ap.add_argument("--only", type=int, help="run just this case index")
    args = ap.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    work = os.path.join(args.out, "work")
    os.makedirs(work, exist_ok=True)
    stop = None
    if args.until:
        hh, mm = map(int, args.until.split(":"))
        now = datetime.datetime.now(datetime.timezone.utc)
        stop = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
    indices = [args.only] if args.only is not None else range(args.cases)
    results = []
    for index in indices:
        if stop and datetime.datetime.now(datetime.timezone.utc) >= stop:
            print(f"--until {args.until} reached; stopping after {len(results)} cases")
            break
        case = draw_case(args.seed, index, args.r50_every)
        t0 = time.time()
        png = os.path.join(work, "input.png")
        make_input(case, png)
        image, w, h = read_rgb(png)
        case["size"] = [w, h]
        model = build_model(case)
        weights = os.path.join(work, "model.pth")
        torch.save(model.state_dict(), weights)
        cfg_path = os.path.join(work, "config.json")
        with open(cfg_path, "w") as f:
            json.dump(model_config(case), f)
        tv = torchvision_dets(model, image)
        vp = vps_dets(args.vps, png, weights, cfg_path, case["score_threshold"], work, w, h)
        res = compare(tv, vp, case["score_threshold"])
        res["seconds"] = round(time.time() - t0, 1)
        results.append({"case": case, "result": res})
        bad = [u for u in res["unmatched"] if not u["borderline"]]
        flag = "DIFF" if bad else ("tie" if res["unmatched"] else "ok")
        print(f"case {index:3d} R{case['depth']} {w}x{h} {case['min_size']}/{case['max_size']} thr {case['score_threshold']}: "
              f"tv {res['tv']} vps {res['vps']} matched {res['matched']} box {res['box']:.4f}px "
              f"score {res['score']:.2e} maskIoU {res['mask_iou']:.4f} maskpx {res['mask_px']} "
              f"({res['seconds']}s) {flag}", flush=True)
        if res["unmatched"]:
            print("  recipe:", json.dumps(case), "\n  unmatched:", json.dumps(res["unmatched"]), flush=True)
        write_summary(args, results)
    summary = write_summary(args, results)
    print("worst:", json.dumps(summary["worst"]))
    print(f"cases: {summary['cases']} (R18 {summary['r18']}, R50 {summary['r50']}); "
          f"disagreeing: {len(summary['disagreeing'])}, ties: {len(summary['ties'])}")
    for d in summary["disagreeing"] + summary["ties"]:
        print(" ", "repro: --seed", args.seed, "--only", d["case"]["index"], json.dumps(d["case"]))


def write_summary(args, results):
    worst = {"box_px": 0.0, "score": 0.0, "mask_iou": 1.0, "small_mask_px": 0}
    for r in results:
        x = r["result"]
        if x["matched"]:
            worst["box_px"] = max(worst["box_px"], x["box"])
            worst["score"] = max(worst["score"], x["score"])
            worst["mask_iou"] = min(worst["mask_iou"], x["mask_iou"])
            worst["small_mask_px"] = max(worst["small_mask_px"], x["mask_px"])
    summary = {
        "seed": args.seed, "cases": len(results),
        "r18": sum(r["case"]["depth"] == 18 for r in results), "r50": sum(r["case"]["depth"] == 50 for r in results),
        "detections_compared": sum(r["result"]["matched"] for r in results),
        "worst": worst,
        "disagreeing": [r for r in results if any(not u["borderline"] for u in r["result"]["unmatched"])],
        "ties": [r for r in results if r["result"]["unmatched"]
                 and all(u["borderline"] for u in r["result"]["unmatched"])],
        "results": results,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return summary


if __name__ == "__main__":
    main()
