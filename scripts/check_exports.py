#!/usr/bin/env python3
"""Checks that vps's exports open in the tools their users use.

Makes a clip with `vps synth`, converts its ground truth with `vps convert`
to every export format, then loads each with the reference reader and checks
masks and boxes pixel for pixel against the panoptic PNGs:
  coco         pycocotools COCO() + loadRes() + annToMask
  youtube-vis  list of tracks, pycocotools mask.decode per frame (null where absent)
  mots         TrackEval _BaseDataset._load_simple_text_file (as its MOTS readers) + mask.decode
  mot          TrackEval _BaseDataset._load_simple_text_file (as its MOTChallenge reader)

  REFS=/tmp/refs python scripts/check_exports.py --vps .build/release/vps
"""
import argparse, json, os, subprocess, sys, tempfile
import numpy as np
import scipy.optimize  # noqa: F401  (before the numpy aliases)
np.float = float
np.int = int
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

sys.path.insert(0, os.path.join(os.environ.get("REFS", "/tmp/refs"), "TrackEval"))
from trackeval.datasets._base_dataset import _BaseDataset  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vps", default=".build/release/vps")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="vps-exports-")
    subprocess.run([a.vps, "synth", work + "/ds", "--videos", "1", "--frames", "12", "--size", "160x120", "--seed", "3",
                    "--no-video", "--quiet"], check=True)
    vdir = work + "/ds/video_000"
    meta = json.load(open(vdir + "/panoptic.json"))
    things = {c["id"] for c in meta["categories"] if c["isthing"]}
    ids = []
    for ann in sorted(meta["annotations"], key=lambda x: x["frame_index"]):
        rgb = np.array(Image.open(os.path.join(vdir, ann["file_name"])).convert("RGB")).astype(np.int64)
        ids.append(rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2])
    T = len(ids)
    expected = {(t, int(i)) for t in range(T) for i in np.unique(ids[t]) if i // 1000 in things}
    for fmt in ["coco", "youtube-vis", "mots", "mot"]:
        subprocess.run([a.vps, "convert", vdir, "-o", f"{work}/out.{fmt}", "--format", fmt], check=True)
    checked = {}

    # COCO
    coco = COCO(f"{work}/out.coco")
    seen = set()
    for ann in coco.dataset["annotations"]:
        t = coco.imgs[ann["image_id"]]["frame_index"]
        m = coco.annToMask(ann)
        assert (m == (ids[t] == ann["track_id"])).all(), ("coco mask", t, ann["track_id"])
        assert ann["bbox"] == [int(x) for x in mask_utils.toBbox(ann["segmentation"])], "coco bbox"
        assert ann["area"] == int(mask_utils.area(ann["segmentation"])), "coco area"
        seen.add((t, ann["track_id"]))
    assert seen == expected, "coco instances"
    res = coco.loadRes(coco.dataset["annotations"])
    assert len(res.anns) == len(seen)
    checked["coco"] = len(seen)

    # YouTube-VIS
    tracks = json.load(open(f"{work}/out.youtube-vis"))
    seen = set()
    for tr in tracks:
        assert len(tr["segmentations"]) == T
        for t, s in enumerate(tr["segmentations"]):
            if s is None:
                assert not (ids[t] == tr["track_id"]).any(), "youtube-vis null where present"
                continue
            assert (mask_utils.decode(s) == (ids[t] == tr["track_id"])).all(), "youtube-vis mask"
            seen.add((t, tr["track_id"]))
        assert tr["category_id"] == tr["track_id"] // 1000
    assert seen == expected, "youtube-vis instances"
    checked["youtube-vis"] = len(seen)

    # MOTS (TrackEval's text loader, space-delimited, class 10 = ignore)
    data, _ = _BaseDataset._load_simple_text_file(f"{work}/out.mots", crowd_ignore_filter={2: ["10"]}, force_delimiters=" ")
    seen = set()
    for ts, rows in data.items():
        t = int(ts) - 1
        for r in rows:
            rle = {"size": [int(r[3]), int(r[4])], "counts": r[5].encode()}
            assert (mask_utils.decode(rle) == (ids[t] == int(r[1]))).all(), "mots mask"
            assert int(r[1]) // 1000 == int(r[2]), "mots id = class*1000 + instance"
            seen.add((t, int(r[1])))
    assert seen == expected, "mots instances"
    checked["mots"] = len(seen)

    # MOTChallenge boxes
    data, _ = _BaseDataset._load_simple_text_file(f"{work}/out.mot")
    seen = set()
    for ts, rows in data.items():
        t = int(ts) - 1
        for r in rows:
            box = [int(float(x)) for x in r[2:6]]
            m = np.asfortranarray((ids[t] == int(r[1])).astype(np.uint8))
            assert box == [int(x) for x in mask_utils.toBbox(mask_utils.encode(m))], ("mot box", t, r)
            seen.add((t, int(r[1])))
    assert seen == expected, "mot instances"
    checked["mot"] = len(seen)
    print("all exports load and match the panoptic ground truth:", checked)


if __name__ == "__main__":
    main()
