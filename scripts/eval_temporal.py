#!/usr/bin/env python3
"""Measures temporal fusion and key frames on held-out `vps synth` videos
(scripts only, never CI; needs no torch).

    python3 scripts/eval_temporal.py --weights Samples/models/vps-synth.safetensors [--threads 2]

Variants (written as pipeline files from pipelines/default.yaml and
pipelines/fast.yaml): per-frame, default (fuse off), default with
`fuse: {mode: cosine}` and with `fuse: {mode: learned}` (the weights'
fusion head), and fast at interval 3, 5 and 10 (key frames by
interval only) and adaptive (interval 10 with max_motion / max_outside), each
with feature propagation and with mask propagation. On each held-out set
(`eval_default_model.HELDOUT`: seeds never used in training or validation) it
runs `vps annotate` and scores the panoptic export with `vps eval`. Speed:
`vps bench pipeline` runs every variant on the same frames of one held-out
video in one process, so the frame rates are a same-run comparison.
Prints Markdown tables and writes OUT/temporal.json. Resumable: a variant
whose scores are in OUT is not run again.
"""
import argparse
import json
import os
import re
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from eval_default_model import HELDOUT, annotate_set, run, scores, synthesize_set  # noqa: E402


def variants():
    default = open(os.path.join(ROOT, "pipelines", "default.yaml")).read()
    fast = open(os.path.join(ROOT, "pipelines", "fast.yaml")).read()
    out = {"per-frame": None, "default": None}
    for mode in ("cosine", "learned"):
        out[f"fuse-{mode}"] = default.replace("  - detect: {}", f"  - fuse: {{mode: {mode}}}\n  - detect: {{}}", 1)

    def keyframes(interval, motion, outside, propagate):
        t = re.sub(r"interval: \d+", f"interval: {interval}", fast)
        t = re.sub(r"max_motion: [\d.]+", f"max_motion: {motion}", t)
        t = re.sub(r"max_outside: [\d.]+", f"max_outside: {outside}", t)
        return re.sub(r"propagate: (features|masks)", f"propagate: {propagate}", t)
    for propagate in ("features", "masks"):
        for k in (3, 5, 10):
            out[f"fast-{k}-{propagate}"] = keyframes(k, 0, 0, propagate)
        out[f"fast-adaptive-{propagate}"] = keyframes(10, 8.0, 0.1, propagate)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "vps-heldout"))
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "vps-temporal-results"))
    ap.add_argument("--vps", default=os.path.join(ROOT, ".build", "release", "vps"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bench-frames", type=int, default=60)
    args = ap.parse_args()
    vps = args.vps
    os.makedirs(args.out, exist_ok=True)
    files = {}
    for name, text in variants().items():
        if text is None:
            files[name] = name
        else:
            files[name] = os.path.join(args.out, name + ".yaml")
            open(files[name], "w").write(text)
    figures = {}
    for set_name, *spec in HELDOUT:
        set_dir = synthesize_set(vps, args.data, set_name, *spec)
        for name, pipeline in files.items():
            pred = os.path.join(args.out, set_name, name)
            cached = os.path.join(pred, "scores.json")
            if os.path.exists(cached):  # a finished variant of an interrupted run
                figures[f"{set_name} {name}"] = json.load(open(cached))
                continue
            annotate_set(vps, set_dir, pred, args.weights, pipeline, args.threads, args.out)
            figures[f"{set_name} {name}"] = scores(vps, set_dir, pred)
            json.dump(figures[f"{set_name} {name}"], open(cached, "w"))
            print(set_name, name, figures[f"{set_name} {name}"], flush=True)
    video = os.path.join(args.data, HELDOUT[0][0], "video_000", "video.mp4")
    cmd = [vps, "bench", "pipeline", video, "--weights", args.weights, "--frames", str(args.bench_frames),
           "--threads", str(args.threads), "--json"]
    for p in files.values():
        cmd += ["--pipeline", p]
    bench = json.loads(run(cmd).stdout)
    figures["bench"] = {name: r["fps"] for name, r in zip(files, bench)}
    figures["bench stages"] = {name: {s["name"]: s["busySeconds"] for s in r["stages"]} for name, r in zip(files, bench)}
    json.dump(figures, open(os.path.join(args.out, "temporal.json"), "w"), indent=1)

    keys = ["PQ", "VPQ", "STQ", "AQ", "IDF1", "IDSW", "TC"]
    print("\n| set | pipeline | fps (same run) | " + " | ".join(keys) + " |")
    print("|---|---|---|" + "---|" * len(keys))
    base = figures["bench"]["default"]
    for set_name, *_ in HELDOUT:
        for name in files:
            f = figures[f"{set_name} {name}"]
            cells = [("-" if f[k] is None else (str(f[k]) if k == "IDSW" else f"{100 * f[k]:.1f}")) for k in keys]
            fps = figures["bench"][name]
            print(f"| {set_name} | {name} | {fps:.1f} ({fps / base:.2f}×) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
