#!/usr/bin/env python3
"""Checks that vps's exports open in the tools their users import them into.

Makes a clip with `vps synth`, converts its ground truth with `vps convert`
to every export format, loads each with the real readers and checks every
mask and box pixel for pixel against the synth's panoptic PNGs:

  coco         pycocotools COCO() + loadRes() + annToMask;
               Datumaro `coco_instances` (the importer under CVAT)
  panoptic     panopticapi `pq_compute` against the synth ground truth (PQ 1);
               Datumaro `coco_panoptic`
  youtube-vis  the YouTube-VIS results layout (a list of tracks with video_id,
               category_id, score, one RLE or null per frame), pycocotools
               mask.decode per frame (no YouTube-VIS API package is on PyPI)
  mots         TrackEval's text loader (as its MOTS readers) + mask.decode
  mot          TrackEval's text loader (as its MOTChallenge reader);
               Datumaro `mot_seq`

With --fixtures DIR it also writes the accepted files of a small clip
(3 frames, 40×30, seed 5) there; `ExportFixtureTests` regenerates them
with vps and compares, so CI checks the structure without Python.

  /tmp/tv/bin/pip install pycocotools datumaro trackeval panopticapi-lite
  /tmp/tv/bin/python scripts/check_exports.py --vps .build/release/vps [--fixtures Tests/Fixtures/exports]
"""
import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import tempfile

import numpy as np

np.float = float  # TrackEval and panopticapi use the removed aliases
np.int = int
from PIL import Image  # noqa: E402
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from trackeval.datasets._base_dataset import _BaseDataset  # noqa: E402

FORMATS = ["coco", "youtube-vis", "mots", "mot", "panoptic"]


def panoptic_ids(vdir):
    """Frame index → id map, from a vps panoptic directory (COCO panoptic layout)."""
    meta = json.load(open(os.path.join(vdir, "panoptic.json")))
    ids = {}
    for ann in meta["annotations"]:
        rgb = np.array(Image.open(os.path.join(vdir, "panoptic", ann["file_name"])).convert("RGB")).astype(np.int64)
        ids[ann["frame_index"]] = rgb[..., 0] + 256 * rgb[..., 1] + 65536 * rgb[..., 2]
    return meta, [ids[t] for t in sorted(ids)]


def make(vps, out, frames, size, seed):
    """A synth clip and every export of its ground truth."""
    subprocess.run([vps, "synth", out + "/ds", "--videos", "1", "--frames", str(frames), "--size", size,
                    "--seed", str(seed), "--no-video", "--quiet"], check=True)
    vdir = out + "/ds/video_000"
    for fmt in FORMATS:
        subprocess.run([vps, "convert", vdir, "-o", f"{out}/out.{fmt}", "--format", fmt], check=True)
    return vdir


def coco_tree(work, name, json_path, frames_dir, kind):
    """A COCO dataset tree as Datumaro's importers expect it (files unchanged)."""
    root = os.path.join(work, name)
    os.makedirs(root + "/annotations")
    shutil.copy(json_path, f"{root}/annotations/{kind}_default.json")
    shutil.copytree(frames_dir, root + "/images/default")
    return root


def check_coco(work, vdir, ids, expected):
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
    declared = {c["id"] for c in coco.dataset["categories"]}
    assert {a["category_id"] for a in coco.dataset["annotations"]} <= declared, "undeclared category"

    import datumaro as dm
    root = coco_tree(work, "dm-coco", f"{work}/out.coco", vdir + "/frames", "instances")
    ds = dm.Dataset.import_from(root, "coco_instances")
    labels = ds.categories()[dm.AnnotationType.label]
    names = {c["id"]: c["name"] for c in coco.dataset["categories"]}
    seen_dm = set()
    for item in ds:
        t = int(item.attributes["id"]) - 1  # image id = frame index + 1
        for a in item.annotations:
            if a.type != dm.AnnotationType.mask:
                continue
            # Datumaro keeps no track_id: the mask must be exactly one segment's.
            match = [i for (f, i) in expected if f == t and (a.image.astype(bool) == (ids[t] == i)).all()]
            assert len(match) == 1, ("datumaro coco mask", t, match)
            assert labels[a.label].name == names[match[0] // 1000], ("datumaro coco label", t, match)
            seen_dm.add((t, match[0]))
    assert seen_dm == expected, ("datumaro coco masks", len(seen_dm), len(expected))
    return len(seen)


def check_panoptic(work, vdir, ids, expected_all):
    from panopticapi.evaluation import pq_compute
    pan = f"{work}/out.panoptic"
    with contextlib.redirect_stdout(io.StringIO()):
        r = pq_compute(vdir + "/panoptic.json", pan + "/panoptic.json")
    assert abs(r["All"]["pq"] - 1) < 1e-12, ("panopticapi PQ", r["All"])

    import datumaro as dm
    root = coco_tree(work, "dm-pan", pan + "/panoptic.json", vdir + "/frames", "panoptic")
    shutil.copytree(pan + "/panoptic", root + "/annotations/panoptic_default")
    ds = dm.Dataset.import_from(root, "coco_panoptic")
    seen = set()
    for item in ds:
        t = int(item.id)
        for a in item.annotations:
            assert (a.image.astype(bool) == (ids[t] == a.id)).all(), ("datumaro panoptic mask", t, a.id)
            seen.add((t, a.id))
    assert seen == expected_all, "datumaro panoptic segments"
    return len(seen)


def check_youtube_vis(work, ids, expected, T):
    tracks = json.load(open(f"{work}/out.youtube-vis"))
    seen = set()
    for tr in tracks:
        assert {"video_id", "category_id", "score", "segmentations"} <= set(tr), tr.keys()
        assert len(tr["segmentations"]) == T
        for t, s in enumerate(tr["segmentations"]):
            if s is None:
                assert not (ids[t] == tr["track_id"]).any(), "youtube-vis null where present"
                continue
            assert (mask_utils.decode(s) == (ids[t] == tr["track_id"])).all(), "youtube-vis mask"
            seen.add((t, tr["track_id"]))
        assert tr["category_id"] == tr["track_id"] // 1000
    assert seen == expected, "youtube-vis instances"
    return len(seen)


def check_mots(work, ids, expected):
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
    return len(seen)


def check_mot(work, vdir, ids, expected):
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

    import datumaro as dm
    root = os.path.join(work, "dm-mot")
    os.makedirs(root + "/gt")
    shutil.copy(f"{work}/out.mot", root + "/gt/gt.txt")
    shutil.copytree(vdir + "/frames", root + "/img1")
    ds = dm.Dataset.import_from(root, "mot_seq")
    boxes = 0
    for item in ds:
        t = int(item.id) - 1
        for a in item.annotations:
            tid = a.attributes["track_id"]
            m = np.asfortranarray((ids[t] == tid).astype(np.uint8))
            assert [int(v) for v in a.get_bbox()] == [int(x) for x in mask_utils.toBbox(mask_utils.encode(m))], ("datumaro mot", t, tid)
            boxes += 1
    assert boxes == len(expected), ("datumaro mot boxes", boxes, len(expected))
    return len(seen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vps", default=".build/release/vps")
    ap.add_argument("--fixtures", help="also write the accepted exports of a small clip here")
    a = ap.parse_args()
    runs = [("check", 12, "160x120", 3)] + ([("fixture", 3, "40x30", 5)] if a.fixtures else [])
    for kind, frames, size, seed in runs:
        work = tempfile.mkdtemp(prefix="vps-exports-")
        vdir = make(a.vps, work, frames, size, seed)
        meta, ids = panoptic_ids(vdir)
        things = {c["id"] for c in meta["categories"] if c["isthing"]}
        expected = {(t, int(i)) for t in range(len(ids)) for i in np.unique(ids[t]) if i // 1000 in things}
        expected_all = {(t, int(i)) for t in range(len(ids)) for i in np.unique(ids[t]) if i != 0}
        checked = {
            "coco": check_coco(work, vdir, ids, expected),
            "panoptic": check_panoptic(work, vdir, ids, expected_all),
            "youtube-vis": check_youtube_vis(work, ids, expected, len(ids)),
            "mots": check_mots(work, ids, expected),
            "mot": check_mot(work, vdir, ids, expected),
        }
        print(f"{kind} ({frames} frames {size}): every export loads and matches the panoptic ground truth:", checked)
        if kind == "fixture":
            shutil.rmtree(a.fixtures, ignore_errors=True)
            os.makedirs(a.fixtures)
            for fmt in FORMATS:
                src = f"{work}/out.{fmt}"
                (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, f"{a.fixtures}/out.{fmt}")
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
