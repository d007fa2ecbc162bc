#!/usr/bin/env python3
"""Builds Tests/Fixtures/parity/thin_box.json: torchvision's box-head
postprocessing on captured inputs where two near-certain, thin, tall boxes
of one class overlap, so NMS keeps whichever scores higher.

Run by a developer, never by CI (it needs torch and torchvision):

    /tmp/tv/bin/python scripts/make_thin_box_fixture.py

The model is the one of the report this reproduces: torchvision's
`maskrcnn_resnet50_fpn(weights=None, weights_backbone=None)` built under
`torch.manual_seed(9090)`, with `roi_heads.box_predictor.cls_score.weight`
×4, `rpn.head.cls_logits.weight` ×2, `roi_heads.mask_predictor.mask_fcn_logits.weight`
×20 and `overwrite_eps(model, 0.0)` (which leaves its nn.BatchNorm2d layers
at eps 1e-5), run on opencv-doc's pic3.png (400×300, resized to 1066×800).
Its class-83 detection near the reported [94.43, 0, 95.21, 300] comes from
a proposal whose score (0.99999964) beats an overlapping one's (0.99999952)
by two units in the last place; summed left to right, both come out
0.99999952 and NMS keeps the other, wider box.

It also records torchvision's `paste_masks_in_image` of one fixed 28×28 map
into thin, tall and border boxes (the mask pasting of such detections).

And PyTorch's unstable descending sort on tie-heavy rows, and torchvision's
`batched_nms` over 1100 boxes with tied scores, whose order of equal scores
decides which detections survive a top-k cut.

The fixture keeps the proposals whose class-83 box overlaps that detection
(IoU > 0.3), with their class logits and box deltas as `postprocess_detections`
received them, the vector width of this CPU's PyTorch softmax, and what
`postprocess_detections` returns for those proposals alone.
"""
import json
import math
import os

import numpy as np
import torch
from PIL import Image
from torchvision.models.detection import maskrcnn_resnet50_fpn
from torchvision.models.detection._utils import overwrite_eps
from torchvision.models.detection.roi_heads import paste_masks_in_image
from torchvision.ops import boxes as box_ops

DATA = "/usr/share/doc/opencv-doc/examples/data"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "parity", "thin_box.json")
LABEL = 83
REPORTED = [94.429, 0.0, 95.206, 300.0]


def f32(x):
    """The float32 values as the shortest decimals that read back exactly."""
    return [float(v) for v in np.asarray(x, dtype=np.float32).reshape(-1)]


def paste_cases():
    """torchvision's paste_masks_in_image (> 0.5) of one 28×28 map into thin,
    tall and border boxes; masks as column-major runs (zeros first), as COCO
    RLE counts."""
    M = 28
    y, x = np.mgrid[0:M, 0:M]
    probs = (((x * 7 + y * 13) % 29) / 28.0).astype(np.float32)
    cases = [((300, 400), [94.43, 0.0, 95.21, 300.0]), ((640, 800), [402.08, 65.71, 428.07, 303.16]),
             ((300, 400), [0.2, 0.3, 0.9, 5.1]), ((300, 400), [399.6, 10.0, 400.0, 60.0]),
             ((300, 400), [150.15, 0.0, 150.75, 300.0]), ((120, 160), [10.0, 10.0, 10.004, 90.0])]
    out = []
    for (h, w), box in cases:
        b = torch.tensor([box], dtype=torch.float32)
        m = paste_masks_in_image(torch.from_numpy(probs)[None, None], b, (h, w))[0, 0] > 0.5
        flat = m.numpy().T.reshape(-1).astype(np.uint8)
        runs, v, n = [], 0, 0
        for p in flat:
            if p != v:
                runs.append(n)
                v, n = p, 0
            n += 1
        runs.append(n)
        out.append({"height": h, "width": w, "box": f32(b[0]), "counts": runs})
    return {"size": M, "probs": f32(probs), "cases": out}


def sort_cases():
    """PyTorch's unstable descending sort on tie-heavy rows (values, indices),
    and torchvision's batched_nms over more than 1000 boxes (its
    category-by-category path) with tied scores."""
    g = torch.Generator().manual_seed(15)
    sorts = []
    for n, levels in ((40, 2), (300, 3), (1200, 4)):
        v = torch.randint(0, levels, (n,), generator=g).float() / levels
        if n == 300:
            v[::37] = float("nan")
        sorts.append({"values": [None if math.isnan(x) else x for x in f32(v)],
                      "indices": v.sort(descending=True)[1].tolist()})
    n = 1100
    xy = torch.rand(n, 2, generator=g) * 200
    wh = torch.rand(n, 2, generator=g) * 40 + 1
    boxes = torch.cat([xy, xy + wh], 1)
    scores = torch.randint(0, 3, (n,), generator=g).float() / 4 + 0.5
    cats = torch.randint(1, 4, (n,), generator=g)
    keep = box_ops.batched_nms(boxes, scores, cats, 0.5)
    nms = {"boxes": [f32(b) for b in boxes], "scores": f32(scores), "categories": cats.tolist(), "keep": keep.tolist()}
    return sorts, nms


def main():
    torch.manual_seed(9090)
    model = maskrcnn_resnet50_fpn(weights=None, weights_backbone=None)
    with torch.no_grad():
        model.roi_heads.box_predictor.cls_score.weight.mul_(4)
        model.rpn.head.cls_logits.weight.mul_(2)
        model.roi_heads.mask_predictor.mask_fcn_logits.weight.mul_(20)
    overwrite_eps(model, 0.0)
    model.eval()

    captured = {}
    original = model.roi_heads.postprocess_detections

    def capture(class_logits, box_regression, proposals, image_shapes):
        captured.update(logits=class_logits.clone(), deltas=box_regression.clone(),
                        proposals=proposals[0].clone(), shape=image_shapes[0])
        return original(class_logits, box_regression, proposals, image_shapes)

    model.roi_heads.postprocess_detections = capture
    image = np.array(Image.open(os.path.join(DATA, "pic3.png")).convert("RGB"))
    x = torch.from_numpy(image).permute(2, 0, 1).float() / 255
    with torch.no_grad():
        model([x])

    logits, deltas, proposals, shape = captured["logits"], captured["deltas"], captured["proposals"], captured["shape"]
    decoded = model.roi_heads.box_coder.decode(deltas, [proposals]).reshape(len(proposals), -1, 4)[:, LABEL]
    decoded = box_ops.clip_boxes_to_image(decoded, shape)
    probs = torch.softmax(logits, -1)[:, LABEL]
    # The proposal that yields the reported box (input pixels → resized pixels).
    h, w = shape
    target = torch.tensor(REPORTED) * torch.tensor([w / 400, h / 300, w / 400, h / 300])
    best = int(torch.argmin((decoded - target).abs().amax(1)))
    iou = box_ops.box_iou(decoded, decoded[best:best + 1])[:, 0]
    keep = torch.where(iou > 0.3)[0]
    keep = keep[torch.argsort(probs[keep], descending=True)][:12].sort().values

    with torch.no_grad():
        boxes, scores, labels = original(logits[keep], deltas[keep], [proposals[keep]], [shape])
    capability = torch.backends.cpu.get_cpu_capability()
    pastes = paste_cases()
    sorts, nms = sort_cases()
    fixture = {
        "torch": torch.__version__,
        "cpuCapability": capability,
        "lanes": 16 if capability.startswith("AVX512") else 8,
        "imageSize": list(shape),
        "label": LABEL,
        "proposals": [f32(p) for p in proposals[keep]],
        "logits": [f32(r) for r in logits[keep]],
        "deltas": [f32(r) for r in deltas[keep]],
        "probabilities": [f32(r) for r in torch.softmax(logits[keep], -1)],
        "expected": {"boxes": [f32(b) for b in boxes[0]], "scores": f32(scores[0]), "labels": labels[0].tolist()},
        "pastes": pastes,
        "sorts": sorts,
        "batchedNMS": nms,
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f, separators=(",", ":"))
        f.write("\n")
    print(f"{OUT}: {len(keep)} proposals, {len(labels[0])} detections, "
          f"class {LABEL} scores {f32(probs[keep])}")


if __name__ == "__main__":
    main()
