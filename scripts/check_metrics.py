#!/usr/bin/env python3
"""End-to-end agreement of `vps eval` with the reference implementations.

Makes a dataset with `vps synth`, writes damaged predictions as panoptic
directories (ID swaps, shifted masks, deleted tracks, relabelled stuff,
spurious blobs, pixel noise), runs `vps eval --json`, and recomputes every
figure with the reference code on the same PNGs (read with PIL):
VPSNet tools/eval_vpq.py, deeplab2 numpy STQ, TrackEval HOTA/CLEAR/Identity.
Prints the largest absolute difference per metric and exits 1 above --tol.

  REFS=/tmp/refs python scripts/check_metrics.py --vps .build/release/vps [--keep DIR]
(REFS as in make_eval_fixtures.py; needs numpy scipy pillow pycocotools.)
"""
import argparse, json, os, shutil, subprocess, sys, tempfile
import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_eval_fixtures as ref  # noqa: E402  (imports the reference code)


def read_video(d):
    meta = json.load(open(os.path.join(d, "panoptic.json")))
    frames, segs = [], []
    for a in sorted(meta["annotations"], key=lambda a: a["frame_index"]):
        # COCO panoptic: the PNG is in the folder named after the JSON; older files name it from d.
        png = os.path.join(d, "panoptic", a["file_name"])
        rgb = np.array(Image.open(png if os.path.exists(png) else os.path.join(d, a["file_name"])).convert("RGB")).astype(np.int64)
        frames.append(rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2])
        segs.append([{"id": s["id"], "category_id": s["category_id"], "iscrowd": s.get("iscrowd", 0),
                      "area": int((frames[-1] == s["id"]).sum())} for s in a["segments_info"]])
    return meta, frames, segs


def write_video(d, meta, preds):
    os.makedirs(os.path.join(d, "panoptic"))
    anns = []
    for t, p in enumerate(preds):
        name = "panoptic/%06d.png" % t
        rgb = np.stack([p % 256, p // 256 % 256, p // 65536], -1).astype(np.uint8)
        Image.fromarray(rgb).save(os.path.join(d, name))
        ids, cnt = np.unique(p, return_counts=True)
        anns.append({"frame_index": t, "file_name": name, "segments_info": [
            {"id": int(i), "category_id": int(i // 1000), "area": int(n), "iscrowd": 0} for i, n in zip(ids, cnt) if i != 0]})
    json.dump({"annotations": anns, "categories": meta["categories"]}, open(os.path.join(d, "panoptic.json"), "w"))


def damage(rng, frames, things):
    """Like make_eval_fixtures.damage, for the synth label set (things 4-7, stuff 1-3)."""
    ref.THINGS[:] = things
    return ref.damage(rng, frames, severe=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vps", default=".build/release/vps")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--videos", type=int, default=2)
    ap.add_argument("--frames", type=int, default=20)
    ap.add_argument("--size", default="128x96")
    ap.add_argument("--stride", type=int, default=5)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--keep", help="keep the dataset and predictions in this directory")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="vps-check-")
    os.makedirs(work, exist_ok=True)
    gt, pred = os.path.join(work, "gt"), os.path.join(work, "pred")
    if os.path.exists(gt):
        shutil.rmtree(gt)
    if os.path.exists(pred):
        shutil.rmtree(pred)
    subprocess.run([a.vps, "synth", gt, "--videos", str(a.videos), "--frames", str(a.frames), "--size", a.size,
                    "--seed", str(a.seed), "--quiet"], check=True)
    rng = np.random.default_rng(a.seed)
    videos = []
    for name in sorted(os.listdir(gt)):
        d = os.path.join(gt, name)
        if not os.path.isdir(d):
            continue
        meta, frames, segs = read_video(d)
        cats = meta["categories"]
        things = [c["id"] for c in cats if c["isthing"]]
        preds = damage(rng, frames, things)
        write_video(os.path.join(pred, name), meta, preds)
        _, preds2, psegs = read_video(os.path.join(pred, name))
        videos.append({"name": name, "frames": frames, "preds": preds2, "crowd": set(), "gt_segs": segs, "pred_segs": psegs})
    ref.CATEGORIES[:] = cats
    out = subprocess.run([a.vps, "eval", "--gt", gt, "--pred", pred, "--json", "--no-flicker", "--vpq-stride", str(a.stride)],
                         check=True, capture_output=True, text=True).stdout
    mine = json.loads(out)["overall"]
    e_vpq = ref.ref_vpq(videos, a.stride)
    e_stq = ref.ref_stq(videos)
    e_trk = ref.ref_tracking(videos)["combined"]
    t = mine["tracking"]["combined"]
    pairs = {
        "VPQ": (mine["vpq"].get("vpq"), e_vpq["vpq_all"]), "VPQ_things": (mine["vpq"].get("vpqThings"), e_vpq["vpq_things"]),
        "VPQ_stuff": (mine["vpq"].get("vpqStuff"), e_vpq["vpq_stuff"]),
        "STQ": (mine["stq"]["stq"], e_stq["stq"]), "AQ": (mine["stq"]["aq"], e_stq["aq"]), "SQ(IoU)": (mine["stq"]["iou"], e_stq["iou"]),
        "HOTA": (t["hota"]["hota"], e_trk["HOTA"]), "DetA": (t["hota"]["detA"], e_trk["DetA"]), "AssA": (t["hota"]["assA"], e_trk["AssA"]),
        "MOTA": (t["mota"], e_trk["MOTA"]), "MOTP": (t["motp"], e_trk["MOTP"]), "IDF1": (t["idf1"], e_trk["IDF1"]),
        "IDSW": (t["clear"]["idsw"], e_trk["IDSW"]), "Frag": (t["clear"]["frag"], e_trk["Frag"]),
    }
    worst = 0.0
    for k, (m, r) in pairs.items():
        d = abs(m - r)
        worst = max(worst, d)
        print(f"{k:11s} vps {m:.9f}  reference {r:.9f}  |diff| {d:.2e}")
    print(f"max |diff| {worst:.2e} over {len(videos)} videos x {a.frames} frames ({a.size}), VPQ stride {a.stride}")
    if not a.keep:
        shutil.rmtree(work)
    sys.exit(0 if worst <= a.tol else 1)


if __name__ == "__main__":
    main()
