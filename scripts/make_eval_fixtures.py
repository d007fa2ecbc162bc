#!/usr/bin/env python3
"""Makes the metric and RLE agreement fixtures under Tests/Fixtures/eval/.

Every expected number comes from the reference implementations, run from
fetched copies that are never committed:
  VPQ       mcahny/vps          tools/eval_vpq.py
  STQ       google-research/deeplab2 evaluation/numpy/segmentation_and_tracking_quality.py
  tracking  JonathonLuiten/TrackEval trackeval/metrics/{hota,clear,identity}.py
  RLE, IoU  pycocotools (pip)   mask.encode / toBbox / area / iou
  Hungarian scipy.optimize.linear_sum_assignment

Usage (venv with numpy scipy pillow pycocotools; REFS holds the three repos'
files at their repository paths):
  REFS=/tmp/refs python scripts/make_eval_fixtures.py [--seed 7] [--out Tests/Fixtures/eval]
The Swift tests (VPSEvalTests, VPSFormatsTests) recompute everything and
require agreement to 1e-9.
"""
import argparse, json, os, sys, tempfile
import numpy as np
import scipy.optimize  # import before the numpy aliases below
np.float = float  # TrackEval predates numpy 1.24
np.int = int
from pycocotools import mask as mask_utils

REFS = os.environ.get("REFS", "/tmp/refs")
sys.path.insert(0, os.path.join(REFS, "TrackEval"))
sys.path.insert(0, os.path.join(REFS, "vps", "tools"))
sys.path.insert(0, os.path.join(REFS, "deeplab2", "evaluation", "numpy"))
from trackeval.metrics import HOTA, CLEAR, Identity  # noqa: E402
from trackeval.datasets.mots_challenge import MOTSChallenge  # noqa: E402
np.bool = bool  # used by TrackEval's preprocessing; set after numpy.ma has loaded
import eval_vpq  # noqa: E402
import segmentation_and_tracking_quality as stq_ref  # noqa: E402

CATEGORIES = [
    {"id": 1, "name": "sky", "isthing": 0},
    {"id": 2, "name": "ground", "isthing": 0},
    {"id": 3, "name": "water", "isthing": 0},
    {"id": 4, "name": "disc", "isthing": 1},
    {"id": 5, "name": "box", "isthing": 1},
]
THINGS = [c["id"] for c in CATEGORIES if c["isthing"]]


def runs(a):
    """Row-major run-length pairs [value, count, value, count, ...]."""
    flat = a.reshape(-1)
    out, start = [], 0
    change = np.flatnonzero(np.diff(flat)) + 1
    for end in list(change) + [flat.size]:
        out += [int(flat[start]), int(end - start)]
        start = end
    return out


def make_video(rng, T, H, W, crowd):
    """A random ground-truth video: stuff bands plus moving thing shapes."""
    objs = []
    inst = {4: 0, 5: 0}
    for k in range(rng.integers(3, 6)):
        c = int(rng.choice(THINGS))
        inst[c] += 1
        t0 = int(rng.integers(0, T // 2))
        t1 = int(rng.integers(t0 + 2, T + 1))
        objs.append(dict(id=c * 1000 + inst[c], cat=c, t0=t0, t1=t1, depth=rng.random(),
                         x=rng.uniform(-4, W + 4), y=rng.uniform(0, H), vx=rng.uniform(-2, 2),
                         vy=rng.uniform(-1, 1), r=rng.uniform(2, 6), dr=rng.uniform(-0.2, 0.3), crowd=False))
    if crowd:
        objs[0]["crowd"] = True
    frames = []
    yy, xx = np.mgrid[0:H, 0:W]
    for t in range(T):
        ids = np.where(yy < H * 0.35 + 0.1 * xx + t * 0.3 - 2, 1000, 2000).astype(np.int64)
        ids[(yy > H * 0.75) & (xx < W * 0.5 + t)] = 3000
        for o in sorted(objs, key=lambda o: o["depth"]):
            if not (o["t0"] <= t < o["t1"]):
                continue
            cx, cy, r = o["x"] + o["vx"] * t, o["y"] + o["vy"] * t, max(1.0, o["r"] + o["dr"] * t)
            if o["cat"] == 4:
                m = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
            else:
                m = (abs(xx - cx) <= r) & (abs(yy - cy) <= r * 0.7)
            ids[m] = o["id"]
        if rng.random() < 0.5:  # a void patch
            y0, x0 = int(rng.integers(0, H - 3)), int(rng.integers(0, W - 3))
            ids[y0:y0 + 3, x0:x0 + int(rng.integers(1, 5))] = 0
        frames.append(ids)
    crowd_ids = {o["id"] for o in objs if o["crowd"]}
    return frames, crowd_ids


def damage(rng, frames, severe):
    """A prediction: the ground truth with shifts, swaps, deletions, class errors, FPs and noise."""
    T = len(frames)
    H, W = frames[0].shape
    thing_ids = sorted({int(i) for f in frames for i in np.unique(f) if i // 1000 in THINGS})
    s = 2 if severe else 1
    shift = {i: (int(rng.integers(-s, s + 1)), int(rng.integers(-1, 2)) if severe else 0) for i in thing_ids}
    delete = set(rng.choice(thing_ids, size=min(1, len(thing_ids)), replace=False).tolist()) if rng.random() < 0.6 else set()
    swap_t = int(rng.integers(1, T))
    pairs = {}
    for c in THINGS:
        same = [i for i in thing_ids if i // 1000 == c]
        if len(same) >= 2 and rng.random() < 0.8:
            a, b = rng.choice(same, size=2, replace=False)
            pairs[int(a)], pairs[int(b)] = int(b), int(a)
    wrong_class = {}
    if thing_ids and rng.random() < 0.5:
        i = int(rng.choice(thing_ids))
        other = [c for c in THINGS if c != i // 1000][0]
        wrong_class[i] = other * 1000 + 900 + i % 100
    preds = []
    for t, g in enumerate(frames):
        p = g.copy()
        p[np.isin(g // 1000, THINGS)] = 2000  # things removed, background filled with ground
        if rng.random() < 0.3:
            p[p == 3000] = 2000  # stuff relabelled
        for i in thing_ids:
            if i in delete:
                continue
            m = g == i
            if not m.any():
                continue
            dx, dy = shift[i]
            m = np.roll(np.roll(m, dy, axis=0), dx, axis=1)
            j = i
            if t >= swap_t and i in pairs:
                j = pairs[i]
            if i in wrong_class and t % 2 == 0:
                j = wrong_class[i]
            if rng.random() < 0.08:
                continue  # missed in this frame
            p[m] = j
        if rng.random() < 0.4:  # a false positive
            y0, x0 = int(rng.integers(0, H - 4)), int(rng.integers(0, W - 4))
            p[y0:y0 + 4, x0:x0 + 4] = 5000 + 800 + int(rng.integers(0, 3))
        noise = rng.random((H, W)) < (0.03 if severe else 0.005)
        p[noise] = np.roll(p, 1, axis=1)[noise]
        if rng.random() < 0.3:
            p[0:2, 0:int(rng.integers(1, W))] = 0  # predicted void
        preds.append(p)
    return preds


def segments(rng, ids, crowd_ids):
    u, cnt = np.unique(ids, return_counts=True)
    segs = [{"id": int(i), "category_id": int(i // 1000), "iscrowd": int(i in crowd_ids), "area": int(n)}
            for i, n in zip(u, cnt) if i != 0]
    rng.shuffle(segs)
    return segs


def to_rgb(ids):
    ids = ids.astype(np.uint32)
    return np.stack([ids % 256, ids // 256 % 256, ids // 65536], axis=-1).astype(np.uint8)


def ref_vpq(videos, stride):
    cats = {c["id"]: c for c in CATEGORIES}
    out = {"windows": []}
    per_k = []
    for nframes in [1, 2, 3, 4]:
        total = eval_vpq.PQStat()
        for v in videos:
            sel = list(range(0, len(v["frames"]), stride))
            gps = [({"segments_info": [dict(s) for s in v["gt_segs"][t]]},
                    {"segments_info": [dict(s) for s in v["pred_segs"][t]]},
                    to_rgb(v["frames"][t]), to_rgb(v["preds"][t]), {}) for t in sel]
            total += eval_vpq.vpq_compute_single_core(gps, cats, nframes=nframes)
        w = {"k": (nframes - 1) * 5}
        for name, isthing in [("all", None), ("things", True), ("stuff", False)]:
            try:
                s, per = total.pq_average(cats, isthing)
                w[name] = {"pq": s["pq"], "sq": s["sq"], "rq": s["rq"], "n": s["n"]}
                if name == "all":
                    w["per_class"] = {str(k): {"pq": r["pq"], "sq": r["sq"], "rq": r["rq"], "iou": r["iou"],
                                               "tp": r["tp"], "fp": r["fp"], "fn": r["fn"]} for k, r in per.items()}
            except ZeroDivisionError:
                w[name] = None
        out["windows"].append(w)
        per_k.append(w)
    for name in ["all", "things", "stuff"]:
        vals = [w[name]["pq"] for w in per_k if w[name] is not None]
        out["vpq_" + name] = sum(vals) / len(vals) if vals else None
    # the reference's own top level, on the stride-sampled frames, as a cross-check (×100)
    if all(w["all"] is not None for w in per_k):
        with tempfile.TemporaryDirectory() as d:
            split = []
            for v in videos:
                sel = list(range(0, len(v["frames"]), stride))
                split.append([({"segments_info": [dict(s) for s in v["gt_segs"][t]]},
                               {"segments_info": [dict(s) for s in v["pred_segs"][t]]},
                               to_rgb(v["frames"][t]), to_rgb(v["preds"][t]), {}) for t in sel])
            tops = [eval_vpq.vpq_compute(split, cats, n, d)[0] for n in [1, 2, 3, 4]]
        assert abs(sum(tops) / 4 / 100 - out["vpq_all"]) < 1e-12
    return out


def ref_stq(videos):
    C = len(CATEGORIES)
    index = {c["id"]: k for k, c in enumerate(CATEGORIES)}
    m = stq_ref.STQuality(C, [index[c] for c in THINGS], 255, 16, 2 ** 32)

    def enc(ids, crowd):
        sem = np.vectorize(lambda i: 255 if i == 0 else index[i // 1000])(ids).astype(np.int64)
        inst = (ids % 1000).astype(np.int64)
        for c in crowd:
            inst[ids == c] = 0
        return (sem << 16) + inst
    for v in videos:
        for g, p in zip(v["frames"], v["preds"]):
            m.update_state(enc(g, v["crowd"]), enc(p, set()), sequence_id=v["name"])
    r = m.result()
    return {"stq": float(r["STQ"]), "aq": float(r["AQ"]), "iou": float(r["IoU"]),
            "stq_per_seq": [float(x) for x in r["STQ_per_seq"]], "aq_per_seq": [float(x) for x in r["AQ_per_seq"]],
            "iou_per_seq": [float(x) for x in r["IoU_per_seq"]]}


def ref_tracking(videos):
    """TrackEval metrics per thing class on the MOTSChallenge preprocessing:
    gt dets are non-crowd thing segments, the ignore region is gt void plus crowd."""
    metrics = [HOTA(), CLEAR({"PRINT_CONFIG": False}), Identity({"PRINT_CONFIG": False})]
    ds = object.__new__(MOTSChallenge)  # only its preprocessing is used
    ds.class_name_to_class_id = {str(c): c for c in THINGS}
    seq_res = {c: {m.get_name(): {} for m in metrics} for c in THINGS}
    for v in videos:
        raw = {k: [] for k in ["gt_ids", "gt_classes", "gt_dets", "tracker_ids", "tracker_classes", "tracker_dets",
                               "similarity_scores", "gt_ignore_region"]}
        for t, (g, p) in enumerate(zip(v["frames"], v["preds"])):
            gs = [s for s in v["gt_segs"][t] if s["category_id"] in THINGS and not s["iscrowd"] and s["area"] > 0]
            ps = [s for s in v["pred_segs"][t] if s["category_id"] in THINGS and s["area"] > 0]
            gm = [mask_utils.encode(np.asfortranarray((g == s["id"]).astype(np.uint8))) for s in gs]
            pm = [mask_utils.encode(np.asfortranarray((p == s["id"]).astype(np.uint8))) for s in ps]
            ignore = (g == 0) | np.isin(g, [s["id"] for s in v["gt_segs"][t] if s["iscrowd"]])
            raw["gt_ignore_region"].append(mask_utils.encode(np.asfortranarray(ignore.astype(np.uint8))))
            raw["gt_ids"].append(np.array([s["id"] for s in gs], dtype=int))
            raw["gt_classes"].append(np.array([s["category_id"] for s in gs], dtype=int))
            raw["gt_dets"].append(gm)
            raw["tracker_ids"].append(np.array([s["id"] for s in ps], dtype=int))
            raw["tracker_classes"].append(np.array([s["category_id"] for s in ps], dtype=int))
            raw["tracker_dets"].append(pm)
            raw["similarity_scores"].append(ds._calculate_similarities(gm, pm) if gm and pm else np.zeros((len(gm), len(pm))))
        raw["num_timesteps"] = len(v["frames"])
        raw["seq"] = v["name"]
        for c in THINGS:
            data = ds.get_preprocessed_seq_data(raw, str(c))
            for m in metrics:
                seq_res[c][m.get_name()][v["name"]] = m.eval_sequence(data)
    per_class = {c: {m.get_name(): m.combine_sequences(seq_res[c][m.get_name()]) for m in metrics} for c in THINGS}
    out = {}
    for label, res in list(per_class.items()) + [("combined", None)]:
        if res is None:
            res = {m.get_name(): m.combine_classes_det_averaged({c: per_class[c][m.get_name()] for c in THINGS}) for m in metrics}
        h, cl, i = res["HOTA"], res["CLEAR"], res["Identity"]
        out[str(label)] = {
            "HOTA": float(np.mean(h["HOTA"])), "DetA": float(np.mean(h["DetA"])), "AssA": float(np.mean(h["AssA"])),
            "LocA": float(np.mean(h["LocA"])), "DetRe": float(np.mean(h["DetRe"])), "DetPr": float(np.mean(h["DetPr"])),
            "AssRe": float(np.mean(h["AssRe"])), "AssPr": float(np.mean(h["AssPr"])),
            "MOTA": float(cl["MOTA"]), "MOTP": float(cl["MOTP"]), "IDSW": int(cl["IDSW"]), "Frag": int(cl["Frag"]),
            "MT": int(cl["MT"]), "PT": int(cl["PT"]), "ML": int(cl["ML"]), "CLR_TP": int(cl["CLR_TP"]),
            "CLR_FN": int(cl["CLR_FN"]), "CLR_FP": int(cl["CLR_FP"]),
            "IDF1": float(i["IDF1"]), "IDP": float(i["IDP"]), "IDR": float(i["IDR"]),
            "IDTP": int(i["IDTP"]), "IDFN": int(i["IDFN"]), "IDFP": int(i["IDFP"])}
    return out


def metric_case(seed, nvideos, T, H, W, severe):
    rng = np.random.default_rng(seed)
    videos = []
    for k in range(nvideos):
        frames, crowd = make_video(rng, T, H, W, crowd=(k == 0))
        preds = damage(rng, frames, severe)
        videos.append({"name": f"v{k}", "frames": frames, "preds": preds, "crowd": crowd,
                       "gt_segs": [segments(rng, f, crowd) for f in frames],
                       "pred_segs": [segments(rng, p, set()) for p in preds]})
    expected = {"vpq": {str(s): ref_vpq(videos, s) for s in (1, 2)}, "stq": ref_stq(videos),
                "tracking": ref_tracking(videos)}
    return {
        "seed": seed, "severe": severe, "categories": CATEGORIES,
        "videos": [{"name": v["name"], "width": W, "height": H, "frames": [
            {"gt": {"runs": runs(g), "segments": gs}, "pred": {"runs": runs(p), "segments": ps}}
            for g, p, gs, ps in zip(v["frames"], v["preds"], v["gt_segs"], v["pred_segs"])]} for v in videos],
        "expected": expected}


def assignment_cases(rng):
    out = []
    for k in range(60):
        r, c = int(rng.integers(1, 7)), int(rng.integers(1, 7))
        m = rng.integers(0, 4, size=(r, c)).astype(float) if k % 2 == 0 else rng.random((r, c))
        for maximize in (False, True):
            rows, cols = scipy.optimize.linear_sum_assignment(m, maximize=maximize)
            out.append({"rows": r, "cols": c, "cost": m.reshape(-1).tolist(), "maximize": maximize,
                        "row_ind": rows.tolist(), "col_ind": cols.tolist()})
    return out


def shape_mask(s):
    h, w = s["h"], s["w"]
    yy, xx = np.mgrid[0:h, 0:w]
    if s["kind"] == "disc":
        return ((xx - s["cx"]) ** 2 + (yy - s["cy"]) ** 2 <= s["r"] ** 2).astype(np.uint8)
    if s["kind"] == "rect":
        return ((xx >= s["x0"]) & (xx < s["x1"]) & (yy >= s["y0"]) & (yy < s["y1"])).astype(np.uint8)
    # "hash": a pseudo-random pattern both sides compute in integers
    return (((xx * 7919 + yy * 104729 + s["salt"]) * 2654435761 % 4294967296) >> 29 < s["density"]).astype(np.uint8)


def rle_cases(rng):
    shapes = [{"kind": "rect", "h": 1, "w": 1, "x0": 0, "x1": 1, "y0": 0, "y1": 1},
              {"kind": "rect", "h": 3, "w": 4, "x0": 0, "x1": 0, "y0": 0, "y1": 0},
              {"kind": "rect", "h": 600, "w": 500, "x0": 0, "x1": 500, "y0": 0, "y1": 600},
              {"kind": "rect", "h": 480, "w": 640, "x0": 10, "x1": 630, "y0": 1, "y1": 479},
              {"kind": "disc", "h": 384, "w": 512, "cx": 200, "cy": 150, "r": 120}]
    for k in range(25):
        h, w = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        kind = ["disc", "rect", "hash"][k % 3]
        if kind == "disc":
            shapes.append({"kind": kind, "h": h, "w": w, "cx": int(rng.integers(-5, w + 5)), "cy": int(rng.integers(-5, h + 5)), "r": int(rng.integers(0, 30))})
        elif kind == "rect":
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            shapes.append({"kind": kind, "h": h, "w": w, "x0": x0, "x1": int(rng.integers(x0, w + 1)), "y0": y0, "y1": int(rng.integers(y0, h + 1))})
        else:
            shapes.append({"kind": kind, "h": h, "w": w, "salt": int(rng.integers(0, 1000)), "density": int(rng.integers(0, 9))})
    for k in range(12):  # same-size pairs for IoU
        h, w = int(rng.integers(5, 50)), int(rng.integers(5, 50))
        shapes.append({"kind": "disc", "h": h, "w": w, "cx": int(rng.integers(0, w)), "cy": int(rng.integers(0, h)), "r": int(rng.integers(2, 25))})
        if k % 2:
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            shapes.append({"kind": "rect", "h": h, "w": w, "x0": x0, "x1": int(rng.integers(x0, w + 1)), "y0": y0, "y1": int(rng.integers(y0, h + 1))})
        else:
            shapes.append({"kind": "hash", "h": h, "w": w, "salt": int(rng.integers(0, 1000)), "density": int(rng.integers(1, 8))})
    out = []
    for s in shapes:
        m = shape_mask(s)
        r = mask_utils.encode(np.asfortranarray(m))
        out.append({"shape": s, "counts": r["counts"].decode(), "area": int(mask_utils.area(r)),
                    "bbox": [int(x) for x in mask_utils.toBbox(r)]})
    ious = []
    for a in range(len(out)):
        for b in range(len(out)):
            if a < b and out[a]["shape"]["h"] == out[b]["shape"]["h"] and out[a]["shape"]["w"] == out[b]["shape"]["w"]:
                ra = {"size": [out[a]["shape"]["h"], out[a]["shape"]["w"]], "counts": out[a]["counts"]}
                rb = {"size": [out[b]["shape"]["h"], out[b]["shape"]["w"]], "counts": out[b]["counts"]}
                ious.append({"a": a, "b": b, "iou": float(mask_utils.iou([ra], [rb], [False])[0][0])})
    return {"masks": out, "ious": ious}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="Tests/Fixtures/eval")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    cases = [metric_case(a.seed + k, nvideos=3, T=12, H=20, W=28, severe=(k == 0)) for k in range(3)]
    with open(os.path.join(a.out, "metric_cases.json"), "w") as f:
        json.dump(cases, f, separators=(",", ":"))
    rng = np.random.default_rng(a.seed)
    with open(os.path.join(a.out, "assignment_cases.json"), "w") as f:
        json.dump(assignment_cases(rng), f, separators=(",", ":"))
    with open(os.path.join(a.out, "rle_cases.json"), "w") as f:
        json.dump(rle_cases(rng), f, separators=(",", ":"))
    for c in cases:
        e = c["expected"]
        print(f"seed {c['seed']}: VPQ(stride 1) {e['vpq']['1']['vpq_all']:.6f}  STQ {e['stq']['stq']:.6f}  "
              f"HOTA {e['tracking']['combined']['HOTA']:.6f}  MOTA {e['tracking']['combined']['MOTA']:.6f}  "
              f"IDF1 {e['tracking']['combined']['IDF1']:.6f}  IDSW {e['tracking']['combined']['IDSW']}")


if __name__ == "__main__":
    main()
