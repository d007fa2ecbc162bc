#!/usr/bin/env python3
"""Times torchvision's Mask R-CNN on the frames and weights `vps bench model`
uses, with the same thread count, then runs `vps bench model --json` in the
same invocation and prints the ratio (only ratios from one run count on a
shared machine).

    /tmp/tv/bin/python scripts/bench_torchvision.py [--frames 3] [--threads 2] [--bf16] [--vps .build/release/vps]

Weights: the seeded R50-FPN of Tests/Fixtures/parity/r50_fpn.json (see
scripts/make_parity_fixtures.py). Score threshold 0, so 100 detections and
100 masks are computed, as in `vps bench model`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch
from torchvision.models.detection import maskrcnn_resnet50_fpn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_parity_fixtures as fx  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def build(path):
    with open(path) as f:
        doc = json.load(f)
    cfg = doc["config"]
    model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None, min_size=cfg["transform"]["minSize"],
                                  max_size=cfg["transform"]["maxSize"], box_score_thresh=0.0,
                                  box_detections_per_img=cfg["roiHeads"]["detectionsPerImage"])
    seed = doc["weights"]["seed"]
    sd = {p["name"]: torch.from_numpy(fx.generate(seed, p["name"], p["shape"], p["low"], p["high"]))
          for p in doc["weights"]["params"]}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not unexpected and all(m.endswith("num_batches_tracked") for m in missing)
    return model.eval()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--input", default=f"{fx.DATA}/vtest.avi")
    ap.add_argument("--model", default=os.path.join(ROOT, "Tests/Fixtures/parity/r50_fpn.json"))
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true", help="torch.autocast('cpu', dtype=torch.bfloat16)")
    ap.add_argument("--vps", default=os.path.join(ROOT, ".build/release/vps"), help="vps binary ('' to skip)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = build(args.model)
    imgs = []
    for k in range(args.start, args.start + args.frames + 1):
        raw, w, h = fx.read_rgb(args.input, k)
        imgs.append(torch.frombuffer(bytearray(raw), dtype=torch.uint8).reshape(h, w, 3).permute(2, 0, 1).float() / 255)
    times, ndet = [], 0
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
        model([imgs[0]])  # warm-up
        for img in imgs[1:]:
            t0 = time.perf_counter()
            out = model([img])[0]
            times.append(time.perf_counter() - t0)
            ndet = out["boxes"].shape[0]
    tv = sum(times) / len(times)
    mode = "bf16 autocast" if args.bf16 else "fp32"
    print(f"torchvision {mode}: {tv:.3f} s per frame ({len(times)} frames, {args.threads} threads, {ndet} detections)")
    if args.vps and args.bf16:
        print("vps: --precision bf16 is not implemented yet; no ratio")
    elif args.vps:
        cmd = [args.vps, "bench", "model", args.input, "--model", args.model, "--frames", str(args.frames),
               "--start", str(args.start), "--threads", str(args.threads), "--json"]
        rep = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        v = rep["secondsPerFrame"]
        print(f"vps {mode}: {v:.3f} s per frame; backbone+FPN "
              f"{rep['parts']['backbone']['gflops']:.1f} GFLOP/s ({100 * rep['backboneOverReference']:.0f}% of the oneDNN 3x3 conv "
              f"reference {rep['referenceConvGFLOPS']:.1f} GFLOP/s); peak RSS {rep['peakRSSMegabytes']:.0f} MB")
        parts = "  ".join(f"{k} {rep['parts'][k]['seconds']:.3f}" for k in
                          ("transform", "backbone", "rpn", "boxHead", "maskHead", "trackHead", "postprocess"))
        print(f"vps parts (s): {parts}")
        floor = rep["totalGFLOP"] / rep["referenceConvGFLOPS"]
        print(f"floor: {rep['totalGFLOP']:.1f} GFLOP at the reference rate = {floor:.2f} s = "
              f"{floor / tv:.2f} of torchvision")
        print(f"ratio vps/torchvision ({mode}, same run): {v / tv:.2f}")


if __name__ == "__main__":
    main()
