#!/usr/bin/env python3
"""Writes Tests/Fixtures/checkpoints/tiny_maskrcnn_old_names.pth (needs torch, torchvision).

A torchvision Mask R-CNN built from torchvision's own modules at the tests'
tiny size (TestSupport's `TinyModel.config()`: ResNet-18 layout with widths
8/8/16/16/16, FPN 16, box head 32, one 16-wide mask layer, 3 classes) and
saved with `torch.save(model.state_dict())`, as torchvision's released
checkpoints are, with FrozenBatchNorm2d (no num_batches_tracked). Its FPN,
RPN-conv and mask-head parameters are renamed to torchvision's older names
(`fpn.inner_blocks.i.weight`, `rpn.head.conv.weight`,
`mask_head.mask_fcnK.weight`), which torchvision still upgrades on load.

Values: SplitMix64 per parameter seeded with SEED XOR FNV-1a(current name),
±0.3 and running variances in 0.9…1.1, as `SeededModel.randomWeights` makes
them in Swift, so the test can regenerate every value under the upgraded name.
"""
import os

import torch
from torch import nn
from torchvision.models.detection import MaskRCNN
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor
from torchvision.models.resnet import BasicBlock, ResNet
from torchvision.ops.misc import FrozenBatchNorm2d

from make_parity_fixtures import generate

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "checkpoints",
                   "tiny_maskrcnn_old_names.pth")
SEED = 14


def tiny_model():
    body = ResNet(BasicBlock, [2, 2, 2, 2], norm_layer=FrozenBatchNorm2d)
    body.inplanes = 8
    body.conv1 = nn.Conv2d(3, 8, kernel_size=7, stride=2, padding=3, bias=False)
    body.bn1 = FrozenBatchNorm2d(8)
    body.layer1 = body._make_layer(BasicBlock, 8, 2)
    body.layer2 = body._make_layer(BasicBlock, 16, 2, stride=2)
    body.layer3 = body._make_layer(BasicBlock, 16, 2, stride=2)
    body.layer4 = body._make_layer(BasicBlock, 16, 2, stride=2)
    backbone = BackboneWithFPN(body, {"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"},
                               in_channels_list=[8, 16, 16, 16], out_channels=16)
    return MaskRCNN(backbone, num_classes=None, min_size=64, max_size=96,
                    box_head=TwoMLPHead(16 * 7 * 7, 32), box_predictor=FastRCNNPredictor(32, 3),
                    mask_head=MaskRCNNHeads(16, [16], 1), mask_predictor=MaskRCNNPredictor(16, 16, 3))


def old_name(name):
    parts = name.split(".")
    if parts[:2] == ["backbone", "fpn"] and len(parts) == 6 and parts[4] == "0":  # fpn.inner_blocks.i.0.weight
        return ".".join(parts[:4] + parts[5:])
    if parts[:3] == ["rpn", "head", "conv"]:  # rpn.head.conv.0.0.weight
        return "rpn.head.conv." + parts[-1]
    if parts[:2] == ["roi_heads", "mask_head"] and len(parts) == 5:  # roi_heads.mask_head.k.0.weight
        return f"roi_heads.mask_head.mask_fcn{int(parts[2]) + 1}.{parts[-1]}"
    return name


def main():
    model = tiny_model().eval()
    sd = model.state_dict()
    out = {}
    for name, t in sd.items():
        lo, hi = (0.9, 1.1) if name.endswith("running_var") else (-0.3, 0.3)
        out[old_name(name)] = torch.from_numpy(generate(SEED, name, list(t.shape), lo, hi))
    renamed = sorted(n for n in out if n not in sd)
    assert len(renamed) == 2 * 4 * 2 + 2 + 2, renamed  # FPN inner + layer blocks, RPN conv, mask_fcn1
    torch.save(out, OUT)
    print(f"{OUT}: {len(out)} tensors, {sum(t.numel() for t in out.values())} values, old names: {renamed}")


if __name__ == "__main__":
    main()
