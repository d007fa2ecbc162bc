#!/usr/bin/env python3
"""Measures a vps model on held-out `vps synth` videos (scripts only, never CI).

    /tmp/tv/bin/pip install torch torchvision pycocotools safetensors
    /tmp/tv/bin/python scripts/eval_default_model.py --weights Samples/models/vps-synth.safetensors \
        [--state runs/default/state.pt] [--data /tmp/heldout] [--threads 2]

For each held-out set (HELDOUT: seeds never used in training or validation,
`normal` and `hard`) it runs `vps annotate` with `--pipeline default` and
`--pipeline per-frame` and scores the panoptic exports with `vps eval`
(PQ, VPQ, STQ, AQ, IDF1, ID switches, TC). It computes the detector's mask AP
with pycocotools from `vps segment`'s COCO export against synth's COCO ground
truth, and, given --state (train.py's checkpoint of the same weights), the
same AP for torchvision running those weights on the same decoded pixels.
Finally it times `vps annotate --profile` on Samples/synth/video_000.
Prints a Markdown table and writes every figure to OUT/figures.json.
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

HELDOUT = [
    ("heldout-normal", "normal", 301, 4, 60, "320x240"),
    ("heldout-hard", "hard", 302, 4, 60, "320x240"),
]
PIPELINES = ["default", "per-frame"]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def videos_of(d):
    return sorted(v for v in os.listdir(d) if v.startswith("video_"))


def synthesize_set(vps, data, name, difficulty, seed, videos, frames, size):
    """Writes the `vps synth` set `name` under `data` unless it is there; returns its directory."""
    set_dir = os.path.join(data, name)
    if not os.path.exists(os.path.join(set_dir, "train.json")):
        run([vps, "synth", set_dir, "--videos", str(videos), "--frames", str(frames), "--seed", str(seed),
             "--size", size, "--difficulty", difficulty, "--quiet"])
    return set_dir


def annotate_set(vps, set_dir, pred, weights, pipeline, threads, scratch):
    """`vps annotate` of every video of `set_dir` with a panoptic export into `pred`/<video>."""
    os.makedirs(pred, exist_ok=True)
    for v in videos_of(set_dir):
        subprocess.run(["rm", "-rf", os.path.join(pred, v)], check=True)
        run([vps, "annotate", os.path.join(set_dir, v, "video.mp4"), "-o", os.path.join(scratch, "annotated.mp4"),
             "--weights", weights, "--pipeline", pipeline, "--export", os.path.join(pred, v), "--format", "panoptic",
             "--threads", str(threads), "--quiet"])


def scores(vps, gt, pred):
    o = json.loads(run([vps, "eval", "--gt", gt, "--pred", pred, "--json"]).stdout)["overall"]
    pq = next((w["all"]["pq"] for w in o["vpq"]["windows"] if w["k"] == 0 and w.get("all")), None)
    t = o["tracking"]["combined"]
    return {"PQ": pq, "VPQ": o["vpq"].get("vpq"), "STQ": o["stq"].get("stq"), "AQ": o["stq"].get("aq"),
            "IDF1": t.get("idf1"), "IDSW": t["clear"]["idsw"], "TC": o["flicker"].get("prediction"),
            "TCgt": o["flicker"].get("groundTruth")}


def coco_ap(gt_json, results):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    if not results:
        return {"AP": 0.0, "AP50": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_json)
        dt = gt.loadRes(results)
        e = COCOeval(gt, dt, "segm")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return {"AP": float(e.stats[0]), "AP50": float(e.stats[1])}


def image_ids(gt_json):
    """(video index from 0, frame index) -> the ground truth's image id."""
    g = json.load(open(gt_json))
    return {(im["video_id"] - 1, im["frame_index"]): im["id"] for im in g["images"]}


def vps_detections(vps, set_dir, weights, threads, tmp):
    ids = image_ids(os.path.join(set_dir, "train.json"))
    out = []
    for k, v in enumerate(videos_of(set_dir)):
        path = os.path.join(tmp, f"segment-{k}.json")
        run([vps, "segment", os.path.join(set_dir, v, "video.mp4"), "-o", os.path.join(tmp, "segment.mp4"),
             "--weights", weights, "--export", path, "--format", "coco", "--threads", str(threads), "--quiet"])
        for a in json.load(open(path))["annotations"]:
            out.append({"image_id": ids[(k, a["image_id"] - 1)], "category_id": a["category_id"],
                        "segmentation": a["segmentation"], "score": a["score"]})
    return out


def decode(path, width, height):
    """RGB frames exactly as vps decodes them (FFmpeg rgb24, accurate rounding, full chroma)."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24",
                          "-sws_flags", "bilinear+accurate_rnd+full_chroma_int", "-"], check=True,
                         capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def torchvision_detections(state_path, set_dir, threads):
    import torch
    from pycocotools import mask as mask_utils
    sys.path.insert(0, HERE)
    import train
    torch.set_num_threads(threads)
    state = torch.load(state_path, map_location="cpu", weights_only=False)
    c = state["config"]
    model = train.build_model(c)
    model.load_state_dict(state["model"])
    model.eval()
    ids = image_ids(os.path.join(set_dir, "train.json"))
    out = []
    for k, v in enumerate(videos_of(set_dir)):
        first = train.read_png(os.path.join(set_dir, v, "frames", "000000.png"))
        frames = decode(os.path.join(set_dir, v, "video.mp4"), first.shape[2], first.shape[1])
        for t, f in enumerate(frames):
            img = torch.from_numpy(f.copy()).permute(2, 0, 1).float() / 255
            with torch.no_grad():
                d = model([img])[0]
            for box, label, score, m in zip(d["boxes"], d["labels"], d["scores"], d["masks"]):
                rle = mask_utils.encode(np.asfortranarray((m[0] > 0.5).numpy().astype(np.uint8)))
                rle["counts"] = rle["counts"].decode()
                out.append({"image_id": ids[(k, t)], "category_id": train.THING_IDS[int(label) - 1],
                            "segmentation": rle, "score": float(score)})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", required=True)
    ap.add_argument("--state", help="train.py's state.pt of the same weights, for torchvision's AP")
    ap.add_argument("--data", default=os.path.join(tempfile.gettempdir(), "vps-heldout"))
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "vps-heldout-results"))
    ap.add_argument("--vps", default=os.path.join(ROOT, ".build", "release", "vps"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="1 video x 10 frames per set (a check of this script only)")
    args = ap.parse_args()
    sets = [(f"{s[0]}-quick", s[1], s[2], 1, 10, s[5]) for s in HELDOUT] if args.quick else HELDOUT
    vps = args.vps
    os.makedirs(args.data, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    figures = {}
    for name, *spec in sets:
        set_dir = synthesize_set(vps, args.data, name, *spec)
        for p in PIPELINES:
            pred = os.path.join(args.out, name, p)
            annotate_set(vps, set_dir, pred, args.weights, p, args.threads, args.out)
            figures[f"{name} {p}"] = scores(vps, set_dir, pred)
            print(name, p, figures[f"{name} {p}"], flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            figures[f"{name} mask AP vps"] = coco_ap(os.path.join(set_dir, "train.json"),
                                                     vps_detections(vps, set_dir, args.weights, args.threads, tmp))
        print(name, "mask AP vps", figures[f"{name} mask AP vps"], flush=True)
        if args.state:
            figures[f"{name} mask AP torchvision"] = coco_ap(os.path.join(set_dir, "train.json"),
                                                             torchvision_detections(args.state, set_dir, args.threads))
            print(name, "mask AP torchvision", figures[f"{name} mask AP torchvision"], flush=True)

    sample = os.path.join(ROOT, "Samples", "synth", "video_000", "video.mp4")
    prof = subprocess.run([vps, "annotate", sample, "-o", os.path.join(args.out, "sample.mp4"), "--weights", args.weights,
                           "--threads", str(args.threads), "--profile"], check=True, capture_output=True, text=True)
    figures["profile"] = prof.stderr.strip().splitlines()
    json.dump(figures, open(os.path.join(args.out, "figures.json"), "w"), indent=1)

    keys = ["PQ", "VPQ", "STQ", "AQ", "IDF1", "IDSW", "TC", "TCgt"]
    print("\n| set | pipeline | " + " | ".join(keys) + " |")
    print("|---|---|" + "---|" * len(keys))
    for name, *_ in sets:
        for p in PIPELINES:
            f = figures[f"{name} {p}"]
            cells = [("-" if f[k] is None else (str(f[k]) if k == "IDSW" else f"{100 * f[k]:.1f}")) for k in keys]
            print(f"| {name} | {p} | " + " | ".join(cells) + " |")
    print("\n| set | engine | mask AP | AP50 |\n|---|---|---|---|")
    for name, *_ in sets:
        for engine in ("vps", "torchvision"):
            f = figures.get(f"{name} mask AP {engine}")
            if f:
                print(f"| {name} | {engine} | {100 * f['AP']:.1f} | {100 * f['AP50']:.1f} |")
    print("\n" + "\n".join(figures["profile"]))


if __name__ == "__main__":
    main()
