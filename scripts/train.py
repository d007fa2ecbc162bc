#!/usr/bin/env python3
"""Trains vps's default model on vps's own synthetic videos (scripts only, never CI).

    /tmp/tv/bin/pip install torch torchvision safetensors matplotlib
    swift build -c release
    /tmp/tv/bin/python scripts/train.py --run runs/default            # starts, or resumes with --resume
    /tmp/tv/bin/python scripts/train.py --run runs/default --resume --max-minutes 60
    /tmp/tv/bin/python scripts/train.py --run runs/default --export-only --export Samples/models/vps-synth.safetensors
    /tmp/tv/bin/python scripts/train.py --run runs/fuse --fuse-head runs/default/state.pt   # then --export-only as above

The model is torchvision's `MaskRCNN` on a slim ResNet-FPN (torchvision's
parameter names, so vps reads it unchanged) plus the heads of
`scripts/vps_heads.py`: Detectron2's `SemSegFPNHead` for the stuff classes
(class 0 = things) and MaskTrack R-CNN's track head. The track head is trained
on pairs of frames of one video with MaskTrack R-CNN's loss: for each box of
the later frame, cross-entropy over [new object (logit 0), dot products with
the earlier frame's objects].

With --fuse-head the run trains only the temporal fusion head (`FuseHead` of
`scripts/vps_heads.py`, `fuse_head.*`) on a finished run's model, frozen: three
consecutive frames per step, frames t-1 and t each fused with their previous
frame (warped by OpenCV's DIS, as the `motion` stage computes it), every head's
loss on the fused features; the log adds the same losses without fusion.

Data: `vps synth` videos (seeds in TRAIN_SETS; they are never used for
validation or for the README's figures). Validation: every --val-minutes the
model is exported and `vps annotate` + `vps eval` run on the held-out
VAL_SETS; the figures go to the log and the plot.

Determinism and resumption: every step draws its data, augmentation and
torch's sampling from generators seeded by (seed, step), the learning rate is
a function of the step, and the state (weights, optimizer, log) is saved every
--checkpoint-minutes under RUN/state.pt. `--resume` therefore continues exactly
where the saved step left off; given --seed and --threads a run is
deterministic. `--max-minutes` stops cleanly after the step in progress.

Outputs in RUN/: state.pt, log.jsonl (one line per logged step: losses,
learning rate, seconds per step; validation lines carry "val"),
training.png (loss and held-out PQ/VPQ/STQ over steps), val/ (last validation).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.detection.rpn import RPNHead
from torchvision.models.resnet import BasicBlock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vps_export import save_checkpoint  # noqa: E402
from vps_heads import FuseHead, SemSegFPNHead, TrackHead  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# `vps synth` sets: (name, difficulty, seed, videos, frames, size). Seeds 1 (Samples/synth),
# 201–202 (validation) and 301–302 (the README's held-out figures) are never trained on.
TRAIN_SETS = [
    ("train-normal-320", "normal", 101, 20, 40, "320x240"),
    ("train-hard-320", "hard", 102, 20, 40, "320x240"),
    ("train-normal-160", "normal", 103, 8, 40, "160x120"),
    ("train-hard-160", "hard", 104, 8, 40, "160x120"),
]
VAL_SETS = [
    ("val-normal", "normal", 201, 2, 30, "320x240"),
    ("val-hard", "hard", 202, 2, 30, "320x240"),
]

# Synth's label set: stuff 1-3, things 4-7 (Sources/VPSSynth/SyntheticScene.swift).
THING_NAMES = ["disc", "box", "triangle", "diamond"]
THING_IDS = [4, 5, 6, 7]
STUFF_NAMES = ["sky", "ground", "water"]
STUFF_IDS = [1, 2, 3]
IGNORE = 255

# Architecture and training settings; every key lands in RUN/state.pt and the
# exported model's config.
DEFAULTS = dict(
    stem=32, widths=[32, 64, 128, 256], layers=[1, 1, 1, 1], fpn=64,
    min_size=240, max_size=320, anchors=[16, 32, 64, 128, 256],
    representation=256, mask_layers=[64, 64, 64, 64], track_dims=[256, 128],
    sem_dims=64, sem_groups=16, sem_loss_weight=0.5, track_loss_weight=1.0,
    steps=12000, lr=1e-3, warmup=300, weight_decay=1e-4, clip=10.0, max_gap=3,
)
# --fuse-head: the temporal fusion head alone, on a finished run's frozen model.
FUSE_DEFAULTS = dict(fuse_embed=32, steps=4000, lr=1e-4, warmup=200, weight_decay=1e-4, clip=10.0)


# ---------------------------------------------------------------------------- model

class SlimResNet(nn.Module):
    """torchvision's ResNet body (conv1, bn1, relu, maxpool, layer1-4 of BasicBlocks) with free widths."""

    def __init__(self, stem, widths, layers):
        super().__init__()
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = stem
        for i, (w, n) in enumerate(zip(widths, layers)):
            blocks = []
            for b in range(n):
                stride = 2 if (i > 0 and b == 0) else 1
                down = None
                if stride != 1 or cin != w:
                    down = nn.Sequential(nn.Conv2d(cin, w, 1, stride, bias=False), nn.BatchNorm2d(w))
                blocks.append(BasicBlock(cin, w, stride, down))
                cin = w
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        for m in self.modules():  # zero-init the last BN of each block (torchvision's zero_init_residual)
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def build_model(c):
    body = SlimResNet(c["stem"], c["widths"], c["layers"])
    backbone = BackboneWithFPN(body, {f"layer{i + 1}": str(i) for i in range(4)}, c["widths"], c["fpn"])
    anchors = AnchorGenerator(tuple((s,) for s in c["anchors"]), ((0.5, 1.0, 2.0),) * 5)
    num_classes = 1 + len(THING_NAMES)
    model = MaskRCNN(
        backbone, num_classes=None, min_size=c["min_size"], max_size=c["max_size"],
        rpn_anchor_generator=anchors, rpn_head=RPNHead(c["fpn"], 3),
        rpn_pre_nms_top_n_train=1000, rpn_post_nms_top_n_train=500,
        rpn_pre_nms_top_n_test=500, rpn_post_nms_top_n_test=300, rpn_batch_size_per_image=256,
        box_head=TwoMLPHead(c["fpn"] * 49, c["representation"]),
        box_predictor=FastRCNNPredictor(c["representation"], num_classes),
        box_batch_size_per_image=128, box_detections_per_img=50,
        mask_head=MaskRCNNHeads(c["fpn"], c["mask_layers"], 1),
        mask_predictor=MaskRCNNPredictor(c["mask_layers"][-1], c["mask_layers"][-1], num_classes))
    model.track_head = TrackHead(c["fpn"], 7, tuple(c["track_dims"]))
    model.sem_seg_head = SemSegFPNHead(1 + len(STUFF_NAMES), c["fpn"], conv_dims=c["sem_dims"], groups=c["sem_groups"])
    # Detectron2's initialisation of SemSegFPNHead: c2_msra_fill for the 3×3
    # convs (their weights are bare parameters in vps_heads), and the predictor.
    for name, p in model.sem_seg_head.named_parameters():
        if name.endswith(".weight") and p.ndim == 4 and not name.startswith("predictor"):
            nn.init.kaiming_normal_(p, mode="fan_out", nonlinearity="relu")
    nn.init.normal_(model.sem_seg_head.predictor.weight, std=0.001)
    nn.init.zeros_(model.sem_seg_head.predictor.bias)
    if "fuse_embed" in c:
        model.fuse_head = FuseHead(c["fpn"], c["fuse_embed"])
    return model


def vps_config(c, model):
    """The model config vps reads from the safetensors metadata (`MaskRCNNConfig`)."""
    t, rpn, rh = model.transform, model.rpn, model.roi_heads
    return {
        "architecture": "maskrcnn",
        "backbone": {"block": "basic", "layers": c["layers"], "stemChannels": c["stem"], "stageWidths": c["widths"],
                     "fpnChannels": c["fpn"], "batchNormEps": 1e-5},
        "transform": {"minSize": c["min_size"], "maxSize": c["max_size"], "mean": list(t.image_mean),
                      "std": list(t.image_std), "sizeDivisible": t.size_divisible},
        "anchors": {"sizes": [float(s) for s in c["anchors"]], "aspectRatios": [0.5, 1.0, 2.0]},
        "rpn": {"preNMSTopN": rpn._pre_nms_top_n["testing"], "postNMSTopN": rpn._post_nms_top_n["testing"],
                "nmsThreshold": rpn.nms_thresh, "scoreThreshold": rpn.score_thresh, "minSize": rpn.min_size},
        "roiHeads": {"boxPoolSize": 7, "maskPoolSize": 14, "samplingRatio": 2, "representationSize": c["representation"],
                     "maskLayers": c["mask_layers"], "boxCoderWeights": list(rh.box_coder.weights),
                     "scoreThreshold": rh.score_thresh, "nmsThreshold": rh.nms_thresh,
                     "detectionsPerImage": rh.detections_per_img, "maskThreshold": 0.5},
        "classNames": ["__background__"] + THING_NAMES,
        "categoryIds": [0] + THING_IDS,
        "trackHead": {"poolSize": 7, "fcDims": c["track_dims"]},
        "semanticHead": {"convDims": c["sem_dims"], "commonStride": 4, "groupNormGroups": c["sem_groups"],
                         "classNames": ["things"] + STUFF_NAMES, "categoryIds": STUFF_IDS},
        **({"fuseHead": {"embedDims": c["fuse_embed"]}} if "fuse_embed" in c else {}),
    }


# ---------------------------------------------------------------------------- data

def vps_binary(path):
    exe = path or os.path.join(ROOT, ".build", "release", "vps")
    if not os.access(exe, os.X_OK):
        raise SystemExit(f"{exe}: no vps binary (swift build -c release, or --vps)")
    return exe


def synthesize(vps, data_dir, sets):
    """Writes each `vps synth` set once (a set directory is complete or absent)."""
    os.makedirs(data_dir, exist_ok=True)
    for name, difficulty, seed, videos, frames, size in sets:
        out = os.path.join(data_dir, name)
        if os.path.isdir(out) and os.path.exists(os.path.join(out, "train.json")):
            continue
        print(f"synth {name}: {videos} x {frames} frames {size} {difficulty} seed {seed}", flush=True)
        subprocess.run([vps, "synth", out, "--videos", str(videos), "--frames", str(frames), "--seed", str(seed),
                        "--size", size, "--difficulty", difficulty, "--quiet"], check=True)


def read_png(path):
    return torchvision.io.read_image(path, torchvision.io.ImageReadMode.RGB)


class Video:
    """One synth video in memory: uint8 frames (3×H×W) and panoptic ids (H×W, int32)."""

    def __init__(self, directory):
        frames = sorted(os.listdir(os.path.join(directory, "frames")))
        self.images = [read_png(os.path.join(directory, "frames", f)) for f in frames]
        self.ids = []
        for f in frames:
            p = read_png(os.path.join(directory, "panoptic", f)).to(torch.int32)
            self.ids.append(p[0] + 256 * p[1] + 65536 * p[2])

    def __len__(self):
        return len(self.images)

    def target(self, t, flip):
        """Things (boxes, labels, masks, track ids) and the semantic map of frame t."""
        ids = self.ids[t]
        if flip:
            ids = ids.flip(-1)
        cat = ids // 1000
        instances = [int(i) for i in torch.unique(ids) if int(i) // 1000 in THING_IDS]
        masks, boxes, labels = [], [], []
        for i in instances:
            m = ids == i
            ys, xs = torch.nonzero(m, as_tuple=True)
            masks.append(m)
            boxes.append([float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1])
            labels.append(THING_IDS.index(i // 1000) + 1)
        h, w = ids.shape
        sem = torch.full((h, w), IGNORE, dtype=torch.int64)
        for k, s in enumerate(STUFF_IDS):
            sem[cat == s] = k + 1
        sem[(cat >= THING_IDS[0]) & (cat <= THING_IDS[-1])] = 0
        return {
            "boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
            "labels": torch.tensor(labels, dtype=torch.int64),
            "masks": torch.stack(masks).to(torch.uint8) if masks else torch.zeros((0, h, w), dtype=torch.uint8),
            "track_ids": torch.tensor(instances, dtype=torch.int64),
            "semantic": sem,
        }


def load_videos(data_dir, sets):
    videos = []
    for name, *_ in sets:
        d = os.path.join(data_dir, name)
        for v in sorted(x for x in os.listdir(d) if x.startswith("video_")):
            videos.append(Video(os.path.join(d, v)))
    return videos


def sample_pair(videos, pairs, seed, step, max_gap):
    """The (video, earlier frame, later frame, flip, gains) of `step`: a fixed permutation per epoch."""
    epoch, k = divmod(step, len(pairs))
    order = np.random.default_rng([seed, epoch]).permutation(len(pairs))
    vi, t = pairs[order[k]]
    rng = np.random.default_rng([seed, step, 1])
    gap = int(rng.integers(1, max_gap + 1))
    return vi, max(0, t - gap), t, bool(rng.random() < 0.5), rng.uniform(0.8, 1.2, size=2)


def sample_triplet(videos, triplets, seed, step):
    """The (video, frame t, flip, gains) of a fuse-head step: frames t-2, t-1, t, as the `fuse` stage sees them."""
    epoch, k = divmod(step, len(triplets))
    order = np.random.default_rng([seed, epoch]).permutation(len(triplets))
    vi, t = triplets[order[k]]
    rng = np.random.default_rng([seed, step, 1])
    return vi, t, bool(rng.random() < 0.5), rng.uniform(0.8, 1.2, size=3)


def motion_map(current, previous):
    """The `motion` stage's map (OpenCV DIS, preset fast, on gray): current -> previous, 2 x H x W."""
    import cv2
    gray = [cv2.cvtColor((x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8), cv2.COLOR_RGB2GRAY)
            for x in (current, previous)]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_FAST)
    return torch.from_numpy(dis.calc(gray[0], gray[1], None)).permute(2, 0, 1).contiguous()


def resampled(flow, h, w):
    """FlowField.resampled: bilinear (half-pixel centres) to h x w, values scaled to the new pixels."""
    fh, fw = flow.shape[-2:]
    if (fh, fw) == (h, w):
        return flow
    out = F.interpolate(flow[None], size=(h, w), mode="bilinear", align_corners=False)[0]
    return out * torch.tensor([w / fw, h / fh], dtype=torch.float32)[:, None, None]


def fuse_losses(model, c, images, targets, generator):
    """Every head's losses on frames t-1 and t (`images[1:]`), each fused with its previous frame
    by the fuse head; the rest of the model is frozen, so only fuse_head.* learns. Also returns
    the sum of the same losses without fusion (no gradient, the same proposal and jitter
    draws): the figure to beat, logged as "unfused"."""
    il, tl = transform(model, images[1:], targets)
    with torch.no_grad():
        first = model.transform(images[:1])[0]
        raw = model.backbone(torch.cat([first.tensors, il.tensors]))
    h, w = il.image_sizes[0]
    fused = []
    for b in (1, 2):
        flow = resampled(motion_map(images[b], images[b - 1]), h, w)
        cur = type(raw)((k, v[b:b + 1]) for k, v in raw.items())
        prev = type(raw)((k, v[b - 1:b]) for k, v in raw.items())
        fused.append(model.fuse_head(cur, prev, flow, il.tensors.shape[-1]))
    feats = type(raw)((k, torch.cat([fused[0][k], fused[1][k]])) for k in raw)
    state = torch.get_rng_state(), generator.get_state()
    losses = head_losses(model, c, il, tl, targets, feats, generator)
    with torch.no_grad():  # the same proposal and jitter draws
        torch.set_rng_state(state[0])
        generator.set_state(state[1])
        unfused = head_losses(model, c, il, tl, targets, type(raw)((k, v[1:]) for k, v in raw.items()), generator)
    return losses, float(sum(unfused.values()))


def prepare(video, t, flip, gain):
    img = video.images[t].to(torch.float32) / 255
    if flip:
        img = img.flip(-1)
    return (img * float(gain)).clamp(0, 1), video.target(t, flip)


# ---------------------------------------------------------------------------- losses

def forward_losses(model, c, images, targets, generator):
    """Mask R-CNN's losses, the semantic loss and MaskTrack R-CNN's matching loss for one pair."""
    il, tl = transform(model, images, targets)
    return head_losses(model, c, il, tl, targets, model.backbone(il.tensors), generator)


def transform(model, images, targets):
    """torchvision's resize, normalisation and padding, for the detection targets only."""
    return model.transform(images, [{k: v for k, v in t.items() if k not in ("semantic", "track_ids")}
                                    for t in targets])


def head_losses(model, c, il, tl, targets, feats, generator):
    """The losses of every head on the features `feats` of a transformed pair (`il`, `tl`)."""
    sem_targets = [t["semantic"] for t in targets]
    ids = [t["track_ids"] for t in targets]
    proposals, rpn_losses = model.rpn(il, feats, tl)
    _, roi_losses = model.roi_heads(feats, proposals, il.image_sizes, tl)
    losses = {**rpn_losses, **roi_losses}

    # Semantic: SemSegFPNHead at stride 4, upsampled ×4 to the padded size; the
    # labels resized (nearest) to the resized image and padded with IGNORE.
    _, up = model.sem_seg_head({f"p{k + 2}": feats[str(k)] for k in range(4)})
    sem = torch.full((len(targets),) + tuple(il.tensors.shape[-2:]), IGNORE, dtype=torch.int64)
    for b, (s, (h, w)) in enumerate(zip(sem_targets, il.image_sizes)):
        r = F.interpolate(s[None, None].float(), size=(h, w), mode="nearest")[0, 0].long()
        sem[b, :h, :w] = r
    losses["loss_sem_seg"] = c["sem_loss_weight"] * F.cross_entropy(up, sem, ignore_index=IGNORE)

    # Track: references are the earlier frame's objects (exact boxes); queries
    # the later frame's boxes, exact and jittered as RPN proposals would be.
    ref_boxes, cur_boxes = tl[0]["boxes"], tl[1]["boxes"]
    if len(ref_boxes) and len(cur_boxes):
        n = len(cur_boxes)
        wh = (cur_boxes[:, 2:] - cur_boxes[:, :2]).repeat(2, 1)
        jitter = (torch.rand((2 * n, 4), generator=generator) - 0.5) * 0.2 * wh.repeat(1, 2)
        queries = torch.cat([cur_boxes, cur_boxes.repeat(2, 1) + jitter])
        query_ids = ids[1].repeat(3)
        pooled = model.roi_heads.box_roi_pool(feats, [ref_boxes, queries], il.image_sizes)
        emb = model.track_head(pooled)
        r, q = emb[: len(ref_boxes)], emb[len(ref_boxes):]
        logits = torch.cat([torch.zeros((len(q), 1)), q @ r.t()], dim=1)
        match = (query_ids[:, None] == ids[0][None, :])
        target = torch.where(match.any(1), match.float().argmax(1) + 1, torch.zeros_like(query_ids))
        losses["loss_track"] = c["track_loss_weight"] * F.cross_entropy(logits, target)
    else:
        losses["loss_track"] = sum(p.sum() * 0 for p in model.track_head.parameters())
    return losses


def learning_rate(c, step):
    if step < c["warmup"]:
        return c["lr"] * (0.001 + 0.999 * step / c["warmup"])
    p = (step - c["warmup"]) / max(1, c["steps"] - c["warmup"])
    return c["lr"] * 0.5 * (1 + math.cos(math.pi * min(1.0, p)))


# ---------------------------------------------------------------------------- validation

def export(model, c, path, half):
    model.eval()
    n = save_checkpoint(model.state_dict(), vps_config(c, model), path, "scripts/train.py", half=half)
    model.train()
    return n


def validate(vps, model, c, run, data_dir, threads, pipeline="default"):
    """Exports the model and scores `vps annotate` on VAL_SETS with `vps eval` (per set and overall)."""
    out = os.path.join(run, "val")
    os.makedirs(out, exist_ok=True)
    weights = os.path.join(out, "model.safetensors")
    export(model, c, weights, half=False)
    scores = {}
    for name, *_ in VAL_SETS:
        gt = os.path.join(data_dir, name)
        pred = os.path.join(out, name)
        os.makedirs(pred, exist_ok=True)
        for v in sorted(x for x in os.listdir(gt) if x.startswith("video_")):
            dst = os.path.join(pred, v)
            subprocess.run(["rm", "-rf", dst], check=True)
            subprocess.run([vps, "annotate", os.path.join(gt, v, "video.mp4"), "-o", os.path.join(out, "annotated.mp4"),
                            "--weights", weights, "--pipeline", pipeline, "--export", dst, "--format", "panoptic",
                            "--threads", str(threads), "--quiet"], check=True)
        r = subprocess.run([vps, "eval", "--gt", gt, "--pred", pred, "--json", "--no-flicker"],
                           check=True, capture_output=True, text=True)
        o = json.loads(r.stdout)["overall"]
        pq = next((w["all"]["pq"] for w in o["vpq"]["windows"] if w["k"] == 0 and w.get("all")), None)
        scores[name] = {"pq": pq, "vpq": o["vpq"].get("vpq"), "stq": o["stq"].get("stq"), "aq": o["stq"].get("aq"),
                        "idf1": o["tracking"]["combined"].get("idf1")}
    return scores


def plot(run):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = [json.loads(l) for l in open(os.path.join(run, "log.jsonl"))]
    train = [r for r in rows if "loss" in r]
    val = [r for r in rows if "val" in r]
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    if train:
        steps = np.array([r["step"] for r in train])
        loss = np.array([r["loss"] for r in train])
        k = max(1, len(loss) // 50)
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
        ax.plot(steps, loss, color="#bbb", lw=0.8, label="loss")
        ax.plot(steps[k - 1:], smooth, color="black", lw=1.5, label=f"loss (mean of {k})")
    ax.set_xlabel("step")
    ax.set_ylabel("training loss")
    ax.set_yscale("log")
    ax2 = ax.twinx()
    colours = {"val-normal": "tab:blue", "val-hard": "tab:red"}
    for name, colour in colours.items():
        pts = [(r["step"], r["val"][name]) for r in val if name in r["val"]]
        for key, style in (("pq", "-"), ("vpq", "--"), ("stq", ":")):
            xs = [s for s, v in pts if v.get(key) is not None]
            ys = [v[key] for s, v in pts if v.get(key) is not None]
            if xs:
                ax2.plot(xs, ys, style, color=colour, marker="o", ms=3, label=f"{name} {key.upper()}")
    ax2.set_ylabel("held-out score (vps eval)")
    ax2.set_ylim(0, 1)
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, fontsize=7, loc="center right")
    ax.set_title("vps default model: training loss and held-out scores")
    fig.tight_layout()
    fig.savefig(os.path.join(run, "training.png"))
    plt.close(fig)


# ---------------------------------------------------------------------------- main

def save_state(run, state):
    path = os.path.join(run, "state.pt")
    torch.save(state, path + ".tmp")
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, help="run directory (state, log, plot)")
    ap.add_argument("--data", default=None, help="synth data directory (default RUN/../data)")
    ap.add_argument("--vps", default=None, help="vps binary (default .build/release/vps)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=None, help=f"total steps (default {DEFAULTS['steps']})")
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--max-minutes", type=float, default=None, help="stop cleanly after this long")
    ap.add_argument("--checkpoint-minutes", type=float, default=5)
    ap.add_argument("--val-minutes", type=float, default=20, help="validate this often (0: only at the end)")
    ap.add_argument("--log-every", type=int, default=20)
    ap.add_argument("--export", default=None, help="write the trained model here (safetensors) when done")
    ap.add_argument("--half", action="store_true", help="store the exported weights as float16")
    ap.add_argument("--export-only", action="store_true", help="export RUN/state.pt and exit")
    ap.add_argument("--fuse-head", metavar="STATE", default=None,
                    help="train only the temporal fusion head (fuse_head.*) on STATE, a finished run's state.pt, "
                         "whose weights stay frozen")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    vps = vps_binary(args.vps)
    os.makedirs(args.run, exist_ok=True)
    data_dir = args.data or os.path.join(os.path.dirname(os.path.abspath(args.run)), "data")
    state_path = os.path.join(args.run, "state.pt")

    if args.resume or args.export_only:
        if not os.path.exists(state_path):
            raise SystemExit(f"{state_path}: nothing to resume")
        state = torch.load(state_path, map_location="cpu", weights_only=False)
        c = state["config"]
        if args.seed != state["seed"]:
            raise SystemExit(f"--seed {args.seed} differs from the run's {state['seed']}")
    else:
        if os.path.exists(state_path):
            raise SystemExit(f"{state_path} exists: pass --resume, or another --run")
        c = dict(DEFAULTS)
        base = None
        if args.fuse_head:
            base = torch.load(args.fuse_head, map_location="cpu", weights_only=False)
            c = {**base["config"], **FUSE_DEFAULTS, "fuse_only": True}
        if args.steps:
            c["steps"] = args.steps
        state = {"step": 0, "seed": args.seed, "config": c, "model": None, "optimizer": None}
        if base is not None:
            state["model"] = {**build_model(c).state_dict(), **base["model"]}  # the fuse head starts untrained
        with open(os.path.join(args.run, "log.jsonl"), "w"):
            pass

    torch.manual_seed(args.seed)
    model = build_model(c)
    if state["model"] is not None:
        model.load_state_dict(state["model"])
    if args.export_only:
        n = export(model, c, args.export, args.half)
        print(f"wrote {args.export}: {n} tensors at step {state['step']}")
        return
    # With fuse_only, everything but fuse_head.* is frozen, BatchNorm included.
    fuse_only = c.get("fuse_only", False)
    trained = model.fuse_head if fuse_only else model
    for p in model.parameters():
        p.requires_grad_(not fuse_only)
    decay, no_decay = [], []
    for name, p in trained.named_parameters():
        p.requires_grad_(True)
        (no_decay if p.ndim <= 1 else decay).append(p)
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": c["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], lr=c["lr"])
    if state["optimizer"] is not None:
        opt.load_state_dict(state["optimizer"])

    synthesize(vps, data_dir, TRAIN_SETS + VAL_SETS)
    t0 = time.time()
    videos = load_videos(data_dir, TRAIN_SETS)
    pairs = [(vi, t) for vi, v in enumerate(videos) for t in range(2 if fuse_only else 1, len(v))]
    print(f"{len(videos)} training videos, {len(pairs)} frame pairs loaded in {time.time() - t0:.0f} s; "
          f"{sum(p.numel() for p in model.parameters()) / 1e6:.2f} M parameters; step {state['step']} of {c['steps']}",
          flush=True)

    log = open(os.path.join(args.run, "log.jsonl"), "a")
    start = time.time()
    last_ckpt = last_val = start
    step = state["step"]
    window, window_t = [], time.time()
    pipeline = "default"
    if fuse_only:  # validate with the fuse stage on
        pipeline = os.path.join(args.run, "fuse-learned.yaml")
        default = open(os.path.join(ROOT, "pipelines", "default.yaml")).read()
        open(pipeline, "w").write(default.replace("  - detect: {}", "  - fuse: {mode: learned}\n  - detect: {}", 1))

    def checkpoint():
        save_state(args.run, {"step": step, "seed": args.seed, "config": c,
                              "model": model.state_dict(), "optimizer": opt.state_dict()})

    def run_validation():
        scores = validate(vps, model, c, args.run, data_dir, args.threads, pipeline)
        log.write(json.dumps({"step": step, "val": scores}) + "\n")
        log.flush()
        print(f"step {step} val " + "  ".join(f"{k}: " + " ".join(f"{m}={v:.3f}" for m, v in s.items() if v is not None)
                                               for k, s in scores.items()), flush=True)
        plot(args.run)

    while step < c["steps"]:
        if args.max_minutes is not None and time.time() - start > args.max_minutes * 60:
            print(f"--max-minutes reached at step {step}", flush=True)
            break
        torch.manual_seed(args.seed * 1_000_003 + step)
        gen = torch.Generator().manual_seed(args.seed * 1_000_033 + step)
        model.train()
        lr = learning_rate(c, step)
        for g in opt.param_groups:
            g["lr"] = lr
        if fuse_only:
            model.backbone.eval()
            vi, t, flip, gains = sample_triplet(videos, pairs, args.seed, step)
            frames = [prepare(videos[vi], t - 2 + j, flip, gains[j]) for j in range(3)]
            losses, unfused = fuse_losses(model, c, [f[0] for f in frames], [f[1] for f in frames[1:]], gen)
        else:
            vi, ta, tb, flip, gains = sample_pair(videos, pairs, args.seed, step, c["max_gap"])
            (ia, tga), (ib, tgb) = prepare(videos[vi], ta, flip, gains[0]), prepare(videos[vi], tb, flip, gains[1])
            losses = forward_losses(model, c, [ia, ib], [tga, tgb], gen)
        loss = sum(losses.values())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained.parameters(), c["clip"])
        opt.step()
        step += 1
        window.append({k: float(v.detach()) for k, v in losses.items()})
        if fuse_only:
            window[-1]["unfused"] = unfused
        if step % args.log_every == 0:
            dt = (time.time() - window_t) / len(window)
            mean = {k: sum(w[k] for w in window) / len(window) for k in window[0]}
            total = sum(v for k, v in mean.items() if k.startswith("loss_"))
            row = {"step": step, "lr": lr, "loss": total, "sec_per_step": dt, **mean}
            log.write(json.dumps(row) + "\n")
            log.flush()
            print(f"step {step}  loss {row['loss']:.3f}  " + " ".join(f"{k.removeprefix('loss_')} {v:.3f}" for k, v in mean.items())
                  + f"  lr {lr:.2e}  {dt:.2f} s/step", flush=True)
            window, window_t = [], time.time()
        now = time.time()
        if now - last_ckpt > args.checkpoint_minutes * 60:
            checkpoint()
            last_ckpt = now
        if args.val_minutes and now - last_val > args.val_minutes * 60:
            run_validation()
            last_val = time.time()
            window_t += last_val - now  # validation time is not step time

    checkpoint()
    if step >= c["steps"]:
        run_validation()
        if args.export:
            n = export(model, c, args.export, args.half)
            print(f"wrote {args.export}: {n} tensors", flush=True)
    log.close()


if __name__ == "__main__":
    main()
