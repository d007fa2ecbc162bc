#!/usr/bin/env python3
"""Makes Tests/Fixtures/panoptic/fusion_cases.json, the reference for PanopticFusion.

The expected panoptic maps come from a copy of Detectron2's
`combine_semantic_and_instance_outputs` (facebookresearch/detectron2,
detectron2/modeling/meta_arch/panoptic_fpn.py, Apache-2.0), reproduced below
because detectron2 is not installable from PyPI. The copy is line for line
except one change, marked: the score sort is stable (`stable=True`), so equal
scores keep their input order. Detectron2 calls `torch.argsort(-scores)`,
whose order for ties is unspecified (on CPU it is not the input order), and
vps's PanopticFusion defines ties as input order.

Usage (any venv with torch and numpy):
  python scripts/make_fusion_fixtures.py [--seed 11] [--out Tests/Fixtures/panoptic/fusion_cases.json]
VPSTrackingTests' PanopticFusionTests maps each Detectron2 segment (numbered
1, 2, … in paint order) to vps's id by correspondence (instance → track,
stuff label → category) and requires the same map pixel for pixel, the same
segments in the same order and the same areas.
"""
import argparse, json, os
from types import SimpleNamespace

import numpy as np
import torch


# --- Detectron2's function (see the module docstring); one marked change. ---
def combine_semantic_and_instance_outputs(
    instance_results,
    semantic_results,
    overlap_threshold,
    stuff_area_thresh,
    instances_score_thresh,
):
    panoptic_seg = torch.zeros_like(semantic_results, dtype=torch.int32)

    # sort instance outputs by scores
    sorted_inds = torch.argsort(-instance_results.scores, stable=True)  # vps: stable=True

    current_segment_id = 0
    segments_info = []

    instance_masks = instance_results.pred_masks.to(dtype=torch.bool, device=panoptic_seg.device)

    # Add instances one-by-one, check for overlaps with existing ones
    for inst_id in sorted_inds:
        score = instance_results.scores[inst_id].item()
        if score < instances_score_thresh:
            break
        mask = instance_masks[inst_id]  # H,W
        mask_area = mask.sum().item()

        if mask_area == 0:
            continue

        intersect = (mask > 0) & (panoptic_seg > 0)
        intersect_area = intersect.sum().item()

        if intersect_area * 1.0 / mask_area > overlap_threshold:
            continue

        if intersect_area > 0:
            mask = mask & (panoptic_seg == 0)

        current_segment_id += 1
        panoptic_seg[mask] = current_segment_id
        segments_info.append(
            {
                "id": current_segment_id,
                "isthing": True,
                "score": score,
                "category_id": instance_results.pred_classes[inst_id].item(),
                "instance_id": inst_id.item(),
            }
        )

    # Add semantic results to remaining empty areas
    semantic_labels = torch.unique(semantic_results).cpu().tolist()
    for semantic_label in semantic_labels:
        if semantic_label == 0:  # 0 is a special "thing" class
            continue
        mask = (semantic_results == semantic_label) & (panoptic_seg == 0)
        mask_area = mask.sum().item()
        if mask_area < stuff_area_thresh:
            continue

        current_segment_id += 1
        panoptic_seg[mask] = current_segment_id
        segments_info.append(
            {
                "id": current_segment_id,
                "isthing": False,
                "category_id": semantic_label,
                "area": mask_area,
            }
        )

    return panoptic_seg, segments_info
# --- end of the copy ---


def runs_binary(mask):
    """Row-major run lengths of a 0/1 map, starting with a run of zeros."""
    flat = mask.reshape(-1).astype(np.uint8)
    out, current, run = [], 0, 0
    for v in flat:
        if v != current:
            out.append(run)
            run, current = 0, v
        run += 1
    out.append(run)
    return out


def runs_values(ids):
    """Row-major [value, count, value, count, …] of an integer map."""
    flat = ids.reshape(-1).tolist()
    out = []
    for v in flat:
        if out and out[-2] == v:
            out[-1] += 1
        else:
            out += [int(v), 1]
    return out


def random_mask(rng, h, w):
    """A rectangle, an ellipse or a blob of rectangles; sometimes empty."""
    m = np.zeros((h, w), dtype=bool)
    kind = rng.integers(0, 6)
    if kind == 0:
        return m  # empty
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(1 if kind < 4 else 3):
        x0, y0 = rng.integers(0, w), rng.integers(0, h)
        bw, bh = rng.integers(2, max(3, w // 2)), rng.integers(2, max(3, h // 2))
        if kind % 2:
            m |= ((xx - x0) / bw * 2) ** 2 + ((yy - y0) / bh * 2) ** 2 <= 1
        else:
            m[y0:y0 + bh, x0:x0 + bw] = True
    return m


def random_stuff(rng, h, w, labels):
    """Blocks of stuff labels (0 = things) but the last, which only occurs in
    three specks, so the area threshold drops it."""
    s = np.zeros((h, w), dtype=np.int64)
    block = int(rng.integers(3, 9))
    blocks = labels[:-1] if len(labels) > 1 else labels
    for y in range(0, h, block):
        for x in range(0, w, block):
            s[y:y + block, x:x + block] = blocks[rng.integers(0, len(blocks))]
    for _ in range(3 if len(labels) > 1 else 0):  # specks of a stuff label
        s[rng.integers(0, h), rng.integers(0, w)] = labels[rng.integers(1, len(labels))]
    return s


def make_case(rng, h, w, n, overlap, stuff_area, score_thresh, with_stuff, stuff_labels=(0, 51, 52, 53, 54)):
    scores_pool = np.array([0.3, 0.45, 0.5, 0.55, 0.7, 0.7, 0.8, 0.9, 0.9, 0.97], dtype=np.float32)
    masks = np.stack([random_mask(rng, h, w) for _ in range(n)]) if n else np.zeros((0, h, w), bool)
    scores = torch.from_numpy(rng.choice(scores_pool, size=n).astype(np.float32))
    classes = torch.from_numpy(rng.integers(1, 4, size=n))
    tracks = rng.choice(np.arange(1, 60), size=n, replace=False)
    stuff = random_stuff(rng, h, w, list(stuff_labels)) if with_stuff else np.zeros((h, w), np.int64)
    inst = SimpleNamespace(scores=scores, pred_masks=torch.from_numpy(masks), pred_classes=classes)
    pan, info = combine_semantic_and_instance_outputs(inst, torch.from_numpy(stuff), overlap, stuff_area, score_thresh)
    pan = pan.numpy()
    segs = []
    for s in info:
        seg = {"id": s["id"], "isthing": s["isthing"], "category_id": int(s["category_id"]),
               "area": int((pan == s["id"]).sum())}
        if s["isthing"]:
            seg["instance"] = s["instance_id"]
        segs.append(seg)
    return {
        "width": w, "height": h,
        "overlap_threshold": overlap, "stuff_area_threshold": stuff_area, "score_threshold": score_thresh,
        "instances": [{"category": int(classes[i]), "track_id": int(tracks[i]), "score": float(scores[i].item()),
                       "runs": runs_binary(masks[i])} for i in range(n)],
        "stuff": runs_values(stuff) if with_stuff else None,
        "panoptic": runs_values(pan),
        "segments": segs,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", default="Tests/Fixtures/panoptic/fusion_cases.json")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    # (h, w, instances, overlap, stuff area, score threshold, stuff map?)
    plan = [(16, 24, 6, 0.5, 12, 0.5, True), (20, 30, 10, 0.5, 20, 0.5, True), (24, 32, 12, 0.3, 8, 0.5, True),
            (24, 32, 12, 0.8, 30, 0.6, True), (18, 18, 8, 0.5, 10, 0.5, False), (32, 40, 16, 0.5, 40, 0.4, True),
            (12, 16, 0, 0.5, 5, 0.5, True), (20, 24, 9, 0.0, 10, 0.5, True), (30, 20, 14, 0.6, 16, 0.7, True),
            (64, 72, 4, 0.5, 4096, 0.5, True)]
    cases = []
    for h, w, n, ov, sa, st, ws in plan:
        # The last case: Detectron2's default thresholds on a 64×72 frame (4608
        # pixels) of one stuff label, kept only while the things cover ≤ 512.
        labels = (51,) if sa == 4096 else (0, 51, 52, 53, 54)
        cases.append(make_case(rng, h, w, n, ov, sa, st, ws, labels))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    doc = {"source": "detectron2/modeling/meta_arch/panoptic_fpn.py combine_semantic_and_instance_outputs "
                     "(stable score sort), run by scripts/make_fusion_fixtures.py",
           "seed": args.seed, "cases": cases}
    with open(args.out, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    n_things = sum(s["isthing"] for c in cases for s in c["segments"])
    n_stuff = sum(not s["isthing"] for c in cases for s in c["segments"])
    print(f"{args.out}: {len(cases)} cases, {n_things} thing and {n_stuff} stuff segments, {os.path.getsize(args.out)} bytes")


if __name__ == "__main__":
    main()
