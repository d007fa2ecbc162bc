"""PyTorch reference modules for vps's extra heads (scripts only, never CI).

Two heads ride on torchvision Mask R-CNN's FPN features (P2..P5 = the
backbone's outputs "0".."3"):

* ``TrackHead``: MaskTrack R-CNN's track head (Yang et al., ICCV 2019,
  https://github.com/youtubevos/MaskTrackRCNN, mmdet/models/track_heads/
  track_head.py): the box pooler's 7x7 RoIAlign features, flattened C x 7 x 7,
  then Linear layers ``fcs.0``, ``fcs.1`` with a ReLU *between* them only.
  VPSNet (https://github.com/mcahny/vps) uses the same head.
* ``SemSegFPNHead``: Detectron2's Panoptic-FPN semantic head
  (detectron2/modeling/meta_arch/semantic_seg.py, class SemSegFPNHead), and
  its ``sem_seg_postprocess`` (detectron2/modeling/postprocessing.py).
  detectron2 is not installable here, so the code below mirrors it line for
  line: per level max(1, log2(stride) - log2(common_stride)) blocks of
  Conv2d 3x3 (no bias) + GroupNorm + ReLU, each followed by a 2x bilinear
  Upsample when stride != common_stride; the levels are summed; a 1x1
  predictor; x common_stride bilinear upsampling.

Parameter names are the checkpoints' own: ``track_head.fcs.{0,1}.{weight,bias}``
and ``sem_seg_head.p{2..5}.{k}.weight``, ``.norm.weight``, ``.norm.bias``,
``sem_seg_head.predictor.{weight,bias}`` (Sequential indices count the
Upsample modules, so P4 has blocks 0 and 2).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class TrackHead(nn.Module):
    """MaskTrack R-CNN ``TrackHead`` without the matching part: RoI features -> embedding."""

    def __init__(self, in_channels=256, roi_feat_size=7, fc_dims=(1024, 1024)):
        super().__init__()
        self.fcs = nn.ModuleList()
        c = in_channels * roi_feat_size * roi_feat_size
        for d in fc_dims:
            self.fcs.append(nn.Linear(c, d))
            c = d
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x):
        # track_head.py: x = x.view(x.size(0), -1); ReLU only between fcs.
        x = x.reshape(x.size(0), -1)
        for idx, fc in enumerate(self.fcs):
            x = fc(x)
            if idx < len(self.fcs) - 1:
                x = self.relu(x)
        return x


class _ConvNorm(nn.Module):
    """detectron2.layers.Conv2d with ``norm`` and ``activation=F.relu`` (conv, norm, relu)."""

    def __init__(self, cin, cout, groups):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(cout, cin, 3, 3))
        self.norm = nn.GroupNorm(groups, cout)

    def forward(self, x):
        return F.relu(self.norm(F.conv2d(x, self.weight, None, 1, 1)))


class SemSegFPNHead(nn.Module):
    """Detectron2 ``SemSegFPNHead`` at inference (norm="GN")."""

    def __init__(self, num_classes, in_channels=256, strides=(4, 8, 16, 32), conv_dims=128, common_stride=4,
                 groups=32):
        super().__init__()
        self.in_features = [f"p{int(math.log2(s))}" for s in strides]
        self.common_stride = common_stride
        self.scale_heads = []
        for name, stride in zip(self.in_features, strides):
            head_ops = []
            head_length = max(1, int(math.log2(stride) - math.log2(common_stride)))
            for k in range(head_length):
                head_ops.append(_ConvNorm(in_channels if k == 0 else conv_dims, conv_dims, groups))
                if stride != common_stride:
                    head_ops.append(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False))
            self.scale_heads.append(nn.Sequential(*head_ops))
            self.add_module(name, self.scale_heads[-1])
        self.predictor = nn.Conv2d(conv_dims, num_classes, kernel_size=1)

    def layers(self, features):
        for i, f in enumerate(self.in_features):
            if i == 0:
                x = self.scale_heads[i](features[f])
            else:
                x = x + self.scale_heads[i](features[f])
        return self.predictor(x)

    def forward(self, features):
        """Returns (logits at common_stride, logits upsampled to the padded size)."""
        logits = self.layers(features)
        up = F.interpolate(logits, scale_factor=self.common_stride, mode="bilinear", align_corners=False)
        return logits, up


def sem_seg_postprocess(result, img_size, output_height, output_width):
    """detectron2.modeling.postprocessing.sem_seg_postprocess: crop the padding, resize to the input."""
    result = result[:, : img_size[0], : img_size[1]].expand(1, -1, -1, -1)
    return F.interpolate(result, size=(output_height, output_width), mode="bilinear", align_corners=False)[0]


class ExtraHeads(nn.Module):
    """Both heads under the checkpoint prefixes ``track_head`` and ``sem_seg_head``."""

    def __init__(self, num_semantic_classes, channels=256, conv_dims=128, groups=32):
        super().__init__()
        self.track_head = TrackHead(channels)
        self.sem_seg_head = SemSegFPNHead(num_semantic_classes, channels, conv_dims=conv_dims, groups=groups)


def pooled_embedding(pooled):
    """The fallback without a track head: mean over the 7x7 cells, L2-normalised."""
    v = pooled.mean(dim=(2, 3))
    return v / v.norm(dim=1, keepdim=True).clamp_min(1e-12)


@torch.no_grad()
def run_heads(model, heads, img):
    """Runs torchvision ``model`` on one CHW image in [0, 1] and the extra heads on its features.

    Returns a dict: ``boxes`` (final detections, resized-image pixels), ``labels``,
    ``scores``, ``track`` and ``pooled`` embeddings per detection, the
    semantic ``logits`` at stride 4, the per-pixel ``semantic`` argmax at the
    input's size, and the resized/padded sizes.
    """
    images, _ = model.transform([img])
    feats = model.backbone(images.tensors)
    proposals, _ = model.rpn(images, feats)
    dets, _ = model.roi_heads(feats, proposals, images.image_sizes)
    boxes = dets[0]["boxes"]
    levels = {f"p{k + 2}": feats[str(k)] for k in range(4)}
    pooled = model.roi_heads.box_roi_pool(feats, [boxes], images.image_sizes)
    logits, up = heads.sem_seg_head(levels)
    h, w = img.shape[-2:]
    sem = sem_seg_postprocess(up[0], images.image_sizes[0], h, w).argmax(dim=0)
    return {"boxes": boxes, "labels": dets[0]["labels"], "scores": dets[0]["scores"],
            "track": heads.track_head(pooled), "pooled": pooled_embedding(pooled),
            "logits": logits, "semantic": sem,
            "resized": list(images.image_sizes[0]), "padded": list(images.tensors.shape[-2:])}
