#!/usr/bin/env python3
"""Times Detectron2's Panoptic FPN R50 (panoptic_fpn_R_50_3x, seeded weights)
on the frames `vps bench model` uses, with the same thread count, then runs
`vps bench model --weights` on the same weights as a model-zoo `.pkl` in the
same invocation and prints the ratio (only ratios from one run count on a
shared machine).

    PYTHONPATH=/path/to/detectron2 python scripts/bench_detectron2.py [--frames 3] [--threads 2] [--vps .build/release/vps]

Weights: every parameter from the seeded generator of
scripts/make_detectron2_fixtures.py (full widths), written to a temporary
`.pkl`. Score threshold 0, so 100 detections and masks are computed, as in
`vps bench model`; the semantic head runs in both. Detectron2's time also
includes its panoptic combine (vps's bench times the model only), which is
small beside the network. Input: BGR frames
resized by ResizeShortestEdge(800, 1333), as Detectron2's DefaultPredictor does.
"""
import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_detectron2_fixtures as fx  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=f"{fx.DATA}/vtest.avi")
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--vps", default=os.path.join(ROOT, ".build/release/vps"), help="vps binary ('' to skip)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = fx.config(slim=False)
    cfg.MODEL.ROI_HEADS.SCORE_THRESH_TEST = 0.0
    cfg.freeze()
    model = fx.build_model(cfg)
    model.eval()
    weights = fx.fill(model)
    aug = fx.T.ResizeShortestEdge([cfg.INPUT.MIN_SIZE_TEST] * 2, cfg.INPUT.MAX_SIZE_TEST)
    inputs = []
    for k in range(args.start, args.start + args.frames + 1):
        rgb, _ = fx.read_rgb(args.input, k)
        bgr = rgb[:, :, ::-1]
        img = aug.get_transform(bgr).apply_image(bgr)
        inputs.append({"image": torch.as_tensor(img.astype("float32").transpose(2, 0, 1)),
                       "height": rgb.shape[0], "width": rgb.shape[1]})
    times, ndet = [], 0
    with torch.no_grad():
        model([inputs[0]])  # warm-up
        for x in inputs[1:]:
            t0 = time.perf_counter()
            out = model([x])[0]
            times.append(time.perf_counter() - t0)
            ndet = len(out["instances"])
    d2 = sum(times) / len(times)
    print(f"Detectron2 fp32: {d2:.3f} s per frame ({len(times)} frames, {args.threads} threads, {ndet} detections)")
    if not args.vps:
        return
    with tempfile.TemporaryDirectory() as tmp:
        pkl = os.path.join(tmp, "panoptic_fpn_R_50_seeded.pkl")
        with open(pkl, "wb") as f:
            pickle.dump({"model": {k: v.numpy() for k, v in weights.items()}, "__author__": "bench"}, f, protocol=4)
        cmd = [args.vps, "bench", "model", args.input, "--weights", pkl, "--frames", str(args.frames),
               "--start", str(args.start), "--threads", str(args.threads), "--json"]
        rep = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    v = rep["secondsPerFrame"]
    print(f"vps fp32: {v:.3f} s per frame")
    print(f"ratio vps/Detectron2 (fp32, same run): {v / d2:.2f}")


if __name__ == "__main__":
    main()
