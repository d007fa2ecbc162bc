#!/usr/bin/env python3
"""Converts a torchvision Mask R-CNN checkpoint to vps safetensors.

    /tmp/tv/bin/python scripts/convert_torchvision.py IN.pth OUT.safetensors [--bn-eps 0] [--min-size 800] ...

IN is a state dict saved by torch.save (or a dict holding one under "model"
or "state_dict"). The script rebuilds the torchvision model the weights
belong to (ResNet depth, widths, FPN channels and class count are read from
the tensor shapes), loads them strictly (which also upgrades torchvision's
older parameter names), and writes every float tensor as F32 under
torchvision's names, with the vps model config as JSON in the metadata key
`vps.config`. torch is needed only here; vps itself reads the result (and
.pth files) without Python.

--bn-eps: torchvision's COCO weights fold batch norm with eps 0
(`overwrite_eps(model, 0.0)`); models trained from scratch use 1e-5.
"""
import argparse
import os

import torch
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone
from torchvision.ops import FrozenBatchNorm2d

from vps_export import save_checkpoint


def coco_names():
    from torchvision.models._meta import _COCO_CATEGORIES
    return list(_COCO_CATEGORIES)


def load_state_dict(path):
    obj = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("model", "state_dict"):
        if isinstance(obj, dict) and key in obj and isinstance(obj[key], dict):
            obj = obj[key]
    if not isinstance(obj, dict):
        raise SystemExit(f"{path}: not a state dict")
    return obj


def architecture(sd):
    body = "backbone.body."
    bottleneck = any(k.startswith(body + "layer1.0.conv3.") for k in sd)
    layers = []
    for s in range(1, 5):
        idx = {int(k[len(f"{body}layer{s}."):].split(".")[0]) for k in sd if k.startswith(f"{body}layer{s}.")}
        layers.append(max(idx) + 1)
    widths = [int(sd[f"{body}layer{s}.0.conv1.weight"].shape[0]) for s in range(1, 5)]
    stem = int(sd[body + "conv1.weight"].shape[0])
    fpn_key = next(k for k in sd if k.startswith("backbone.fpn.inner_blocks.0") and k.endswith("weight"))
    fpn = int(sd[fpn_key].shape[0])
    num_classes = int(sd["roi_heads.box_predictor.cls_score.weight"].shape[0])
    depth = {("basic", (2, 2, 2, 2)): 18, ("basic", (3, 4, 6, 3)): 34, ("bottleneck", (3, 4, 6, 3)): 50,
             ("bottleneck", (3, 4, 23, 3)): 101}.get(("bottleneck" if bottleneck else "basic", tuple(layers)))
    return bottleneck, layers, widths, stem, fpn, num_classes, depth


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--bn-eps", type=float, default=0.0)
    ap.add_argument("--min-size", type=int, default=800)
    ap.add_argument("--max-size", type=int, default=1333)
    ap.add_argument("--score-threshold", type=float, default=0.05)
    ap.add_argument("--class-names", help="text file, one name per line, background first")
    args = ap.parse_args()

    sd = load_state_dict(args.input)
    bottleneck, layers, widths, stem, fpn, num_classes, depth = architecture(sd)
    if depth is None or stem != 64 or widths != [64, 128, 256, 512]:
        raise SystemExit(f"unsupported backbone: layers {layers}, widths {widths}, stem {stem} "
                         "(torchvision ResNet-18/34/50/101 only; slim models are written by vps's own trainer)")
    backbone = resnet_fpn_backbone(backbone_name=f"resnet{depth}", weights=None, norm_layer=FrozenBatchNorm2d,
                                   trainable_layers=5)
    model = MaskRCNN(backbone, num_classes=num_classes, min_size=args.min_size, max_size=args.max_size,
                     box_score_thresh=args.score_threshold)
    sd = {k: v for k, v in sd.items() if not k.endswith("num_batches_tracked")}
    model.load_state_dict(sd, strict=True)  # upgrades old names; fails loudly on anything else
    out = model.state_dict()

    if args.class_names:
        with open(args.class_names) as f:
            names = [l.strip() for l in f if l.strip()]
    elif num_classes == 91:
        names = coco_names()
    else:
        names = ["__background__"] + [f"class_{i}" for i in range(1, num_classes)]
    if len(names) != num_classes:
        raise SystemExit(f"{len(names)} class names for {num_classes} classes")
    t, rpn, rh = model.transform, model.rpn, model.roi_heads
    config = {
        "architecture": "maskrcnn",
        "backbone": {"block": "bottleneck" if bottleneck else "basic", "layers": layers, "stemChannels": stem,
                     "stageWidths": widths, "fpnChannels": fpn, "batchNormEps": args.bn_eps},
        "transform": {"minSize": args.min_size, "maxSize": args.max_size, "mean": list(t.image_mean),
                      "std": list(t.image_std), "sizeDivisible": t.size_divisible},
        "anchors": {"sizes": [32.0, 64.0, 128.0, 256.0, 512.0], "aspectRatios": [0.5, 1.0, 2.0]},
        "rpn": {"preNMSTopN": rpn._pre_nms_top_n["testing"], "postNMSTopN": rpn._post_nms_top_n["testing"],
                "nmsThreshold": rpn.nms_thresh, "scoreThreshold": rpn.score_thresh, "minSize": rpn.min_size},
        "roiHeads": {"boxPoolSize": 7, "maskPoolSize": 14, "samplingRatio": 2,
                     "representationSize": int(out["roi_heads.box_head.fc6.weight"].shape[0]),
                     "maskLayers": [int(out[f"roi_heads.mask_head.{i}.0.weight"].shape[0]) for i in range(4)],
                     "boxCoderWeights": list(rh.box_coder.weights), "scoreThreshold": args.score_threshold,
                     "nmsThreshold": rh.nms_thresh, "detectionsPerImage": rh.detections_per_img, "maskThreshold": 0.5},
        "classNames": names,
    }
    n = save_checkpoint(out, config, args.output, os.path.basename(args.input))
    print(f"wrote {args.output}: {n} tensors, resnet{depth}-FPN, {num_classes} classes, BN eps {args.bn_eps}")


if __name__ == "__main__":
    main()
