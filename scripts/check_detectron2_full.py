#!/usr/bin/env python3
"""Parity of `vps segment` with Detectron2 on the full-width Panoptic FPN R50
at Detectron2's input size (800/1333), which is too large to commit as a
fixture: seeded weights (scripts/make_detectron2_fixtures.py's generator)
written to a temporary `.pkl`, Detectron2 and vps run on the same frames,
detections matched by class and box.

    PYTHONPATH=/path/to/detectron2 python scripts/check_detectron2_full.py [--frames 0] [--vps .build/release/vps]

Prints counts, the worst box and score differences and the lowest mask IoU.
"""
import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile

import numpy as np
import torch
from pycocotools import mask as mask_utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_detectron2_fixtures as fx  # noqa: E402


def coco_thing_ids(vps, pkl):
    rep = json.loads(subprocess.run([vps, "weights", "inspect", pkl, "--json"], check=True, capture_output=True, text=True).stdout)
    return rep["config"]["categoryIds"][1:]  # contiguous class c -> COCO id


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=f"{fx.DATA}/vtest.avi")
    ap.add_argument("--frames", type=int, nargs="+", default=[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--vps", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build/release/vps"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = fx.config(slim=False)
    cfg.freeze()
    model = fx.build_model(cfg)
    model.eval()
    weights = fx.fill(model)
    aug = fx.T.ResizeShortestEdge([cfg.INPUT.MIN_SIZE_TEST] * 2, cfg.INPUT.MAX_SIZE_TEST)
    with tempfile.TemporaryDirectory() as tmp:
        pkl = os.path.join(tmp, "panoptic_fpn_R_50_seeded.pkl")
        with open(pkl, "wb") as f:
            pickle.dump({"model": {k: v.numpy() for k, v in weights.items()}, "__author__": "check"}, f, protocol=4)
        ids = coco_thing_ids(args.vps, pkl)
        for frame in args.frames:
            rgb, _ = fx.read_rgb(args.input, frame)
            bgr = rgb[:, :, ::-1]
            img = aug.get_transform(bgr).apply_image(bgr)
            with torch.no_grad():
                inst = model([{"image": torch.as_tensor(img.astype("float32").transpose(2, 0, 1)),
                               "height": rgb.shape[0], "width": rgb.shape[1]}])[0]["instances"]
            out = os.path.join(tmp, f"coco{frame}.json")
            subprocess.run([args.vps, "segment", args.input, "-o", os.path.join(tmp, "o.mp4"), "--weights", pkl,
                            "--start", str(frame), "--frames", "1", "--threads", str(args.threads),
                            "--export", out, "--format", "coco", "--quiet"], check=True)
            with open(out) as f:
                doc = json.load(f)
            dets = doc["annotations"] if isinstance(doc, dict) else doc
            used, worst_box, worst_score, worst_iou, unmatched = set(), 0.0, 0.0, 1.0, 0
            for i in range(len(inst)):
                cat = ids[int(inst.pred_classes[i])]
                box = inst.pred_boxes.tensor[i].numpy()
                best, dist = None, None
                for j, d in enumerate(dets):
                    if j in used or d["category_id"] != cat:
                        continue
                    x, y, w, h = d["bbox"]
                    e = max(abs(x - box[0]), abs(y - box[1]), abs(x + w - box[2]), abs(y + h - box[3]))
                    if dist is None or e < dist:
                        best, dist = j, e
                if best is None:
                    unmatched += 1
                    continue
                used.add(best)
                d = dets[best]
                worst_box = max(worst_box, dist)
                worst_score = max(worst_score, abs(d["score"] - float(inst.scores[i])))
                m = mask_utils.decode(d["segmentation"] if isinstance(d["segmentation"]["counts"], str) else d["segmentation"])
                e = inst.pred_masks[i].numpy()
                union = np.logical_or(m, e).sum()
                worst_iou = min(worst_iou, np.logical_and(m, e).sum() / union if union else 1.0)
            print(f"frame {frame}: Detectron2 {len(inst)} detections, vps {len(dets)}, unmatched {unmatched}, "
                  f"worst box {worst_box:.4f} px, score {worst_score:.2e}, lowest mask IoU {worst_iou:.4f}")


if __name__ == "__main__":
    main()
