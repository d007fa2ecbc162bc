#!/usr/bin/env python3
"""Converts a Detectron2 model-zoo checkpoint (.pkl) to vps safetensors.

    python scripts/convert_detectron2.py IN.pkl OUT.safetensors [--vps PATH] [--model-config FILE] [--half]

vps reads `.pkl` files directly; this is for users who prefer one format.
The output holds the same tensors vps builds from the `.pkl` (parameters
renamed to vps's torchvision-style names, the background class moved first,
zero background rows for the box and mask predictors; `pixel_mean`,
`pixel_std` and `*cell_anchors*` left out) and, in the metadata key
`vps.config`, the config vps gives the file. That config comes from
`vps weights inspect IN.pkl --json` (with `--model-config` laid over it by
`vps` itself when given), so its rules live in one place; run this with a
built `vps` on PATH or pass --vps.

The pickle is read with a restricted unpickler that, like vps's, resolves
only numpy's array and dtype constructors and `_codecs.encode`.
Needs numpy, torch and safetensors (scripts only, never CI).
"""
import argparse
import json
import os
import pickle
import subprocess
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vps_export import save_checkpoint  # noqa: E402

ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
    ("__builtin__", "bytes"), ("builtins", "bytes"),
}


class RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"refusing {module}.{name}: a file of numpy arrays never needs it")
        return super().find_class(module, name)


def read_pkl(path):
    with open(path, "rb") as f:
        obj = RestrictedUnpickler(f, encoding="latin1").load()
    if not isinstance(obj, dict) or "model" not in obj:
        raise SystemExit(f"{path}: no 'model' entry, so not a Detectron2 model-zoo checkpoint")
    return obj["model"]


def rename(name):
    """Detectron2 name -> vps name (Sources/VPSDetection/Detectron2Checkpoint.swift)."""
    p = name.split(".")
    if len(p) >= 5 and p[:2] == ["backbone", "bottom_up"]:
        if p[2:4] == ["stem", "conv1"]:
            return ".".join(["backbone", "body"] + (["bn1"] + p[5:] if p[4] == "norm" else ["conv1"] + p[4:]))
        if p[2].startswith("res") and p[2][3:].isdigit() and len(p) >= 6:
            block = ["backbone", "body", f"layer{int(p[2][3:]) - 1}", p[3]]
            if p[4].startswith("conv") and p[4][4:].isdigit():
                k = p[4][4:]
                return ".".join(block + ([f"bn{k}"] + p[6:] if p[5] == "norm" else [f"conv{k}"] + p[5:]))
            if p[4] == "shortcut":
                return ".".join(block + (["downsample", "1"] + p[6:] if p[5] == "norm" else ["downsample", "0"] + p[5:]))
        return name
    if len(p) == 3 and p[0] == "backbone":
        for prefix, target in (("fpn_lateral", "inner_blocks"), ("fpn_output", "layer_blocks")):
            if p[1].startswith(prefix) and p[1][len(prefix):].isdigit():
                return f"backbone.fpn.{target}.{int(p[1][len(prefix):]) - 2}.0.{p[2]}"
        return name
    if len(p) == 4 and p[:2] == ["proposal_generator", "rpn_head"]:
        return {"conv": f"rpn.head.conv.0.0.{p[3]}", "objectness_logits": f"rpn.head.cls_logits.{p[3]}",
                "anchor_deltas": f"rpn.head.bbox_pred.{p[3]}"}.get(p[2], name)
    if len(p) == 4 and p[0] == "roi_heads":
        table = {("box_head", "fc1"): "roi_heads.box_head.fc6", ("box_head", "fc2"): "roi_heads.box_head.fc7",
                 ("mask_head", "deconv"): "roi_heads.mask_predictor.conv5_mask",
                 ("mask_head", "predictor"): "roi_heads.mask_predictor.mask_fcn_logits"}
        if (p[1], p[2]) in table:
            return f"{table[(p[1], p[2])]}.{p[3]}"
        if p[1] == "mask_head" and p[2].startswith("mask_fcn") and p[2][8:].isdigit():
            return f"roi_heads.mask_head.{int(p[2][8:]) - 1}.0.{p[3]}"
    return name


def rearranged(name, a):
    """The background class first, as vps's heads expect."""
    if name.startswith("roi_heads.box_predictor.cls_score."):
        return np.concatenate([a[-1:], a[:-1]])
    if name.startswith("roi_heads.box_predictor.bbox_pred."):
        return np.concatenate([np.zeros((4,) + a.shape[1:], a.dtype), a])
    if name.startswith("roi_heads.mask_predictor.mask_fcn_logits."):
        return np.concatenate([np.zeros((1,) + a.shape[1:], a.dtype), a])
    return a


def vps_config(vps, path, model_config):
    cmd = [vps, "weights", "inspect", path, "--json"]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    config = report["config"]
    if model_config:
        with open(model_config) as f:
            user = json.load(f)
        for key, value in user.items():
            if isinstance(value, dict) and isinstance(config.get(key), dict):
                config[key].update(value)
            else:
                config[key] = value
    return config


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--vps", default="vps", help="the vps executable (default: vps on PATH)")
    ap.add_argument("--model-config", help="a JSON config laid over the implied one (e.g. other input sizes)")
    ap.add_argument("--half", action="store_true", help="store float16 (vps widens to float32 at load)")
    args = ap.parse_args()
    model = read_pkl(args.input)
    tensors = {}
    for name, a in model.items():
        if name in ("pixel_mean", "pixel_std") or "cell_anchors" in name:
            continue
        if not isinstance(a, np.ndarray):
            raise SystemExit(f"{args.input}: entry {name} is not a numpy array")
        vname = rename(name)
        if vname in tensors:
            raise SystemExit(f"{args.input}: two parameters map to {vname}")
        tensors[vname] = torch.from_numpy(np.ascontiguousarray(rearranged(vname, a)).astype(np.float32))
    config = vps_config(args.vps, args.input, args.model_config)
    n = save_checkpoint(tensors, config, args.output, source=f"Detectron2 {os.path.basename(args.input)}", half=args.half)
    print(f"{args.output}: {n} tensors", file=sys.stderr)


if __name__ == "__main__":
    main()
