"""PyTorch reference modules for vps's extra heads (scripts only, never CI).

Three heads ride on torchvision Mask R-CNN's FPN features (P2..P5 = the
backbone's outputs "0".."3", P6 = "pool"):

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

* ``FuseHead``: temporal fusion in the spirit of VPSNet's fuse module
  (https://github.com/mcahny/vps, mmdet/models/extra_necks/bfp_tcea.py and
  mmdet/models/utils/tcea_modules.py): the previous frame's level is warped
  by the motion map (``feature_warp``, vps's ``FeatureWarp`` exactly), an
  EDVR-style temporal attention (sigmoid of the per-cell dot product of 1x1
  embeddings of both frames) weighs the warped features, and a 3x3 conv over
  [current, attention * warped] is added as a residual to every level
  (P2..P6, one set of weights for all levels). Cells whose warped sample fell
  outside the frame keep the current features.

Parameter names are the checkpoints' own: ``track_head.fcs.{0,1}.{weight,bias}``
and ``sem_seg_head.p{2..5}.{k}.weight``, ``.norm.weight``, ``.norm.bias``,
``sem_seg_head.predictor.{weight,bias}`` (Sequential indices count the
Upsample modules, so P4 has blocks 0 and 2), ``fuse_head.embed.{weight,bias}``
(``[E, C, 1, 1]``, ``[E]``) and ``fuse_head.fuse.{weight,bias}``
(``[C, 2C, 3, 3]``, ``[C]``).
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


def _taps(pos, n):
    """BackwardWarp.bilinear along one axis: the position clamped to [0, n-1], its two grid points and weight."""
    c = pos.clamp(0, n - 1)
    i0 = c.floor().long()
    return i0, (i0 + 1).clamp(max=n - 1), c - i0.to(torch.float32)


def _f32(x):
    return torch.tensor(x, dtype=torch.float32)


def flow_at_stride(flow, stride, height, width):
    """FlowField.atStride: ``flow`` (2 x Hf x Wf, frame pixels) sampled bilinearly at each
    cell's centre ((x + 0.5) * stride - 0.5), divided by ``stride``: 2 x height x width."""
    s = _f32(float(stride))
    xs = (torch.arange(width, dtype=torch.float32) + 0.5) * s - 0.5
    ys = (torch.arange(height, dtype=torch.float32) + 0.5) * s - 0.5
    x0, x1, ax = _taps(xs, flow.shape[2])
    y0, y1, ay = _taps(ys, flow.shape[1])
    ax, ay = ax[None, :], ay[:, None]
    f = flow.to(torch.float32)
    v00, v01 = f[:, y0][:, :, x0], f[:, y0][:, :, x1]
    v10, v11 = f[:, y1][:, :, x0], f[:, y1][:, :, x1]
    out = (1 - ax) * (1 - ay) * v00 + ax * (1 - ay) * v01 + (1 - ax) * ay * v10 + ax * ay * v11
    return out / s


def feature_warp(features, stride, flow):
    """vps's FeatureWarp.warp: backward-warps ``features`` (1 x C x H x W at ``stride`` pixels per
    cell) by ``flow`` (2 x Hf x Wf, current -> previous, pixels of the resized image, whose frame is
    the top-left Hf x Wf of the padded input). Returns (warped features, zero where invalid; the
    1 x 1 x H x W validity: the sample point within the frame's first and last pixel centres)."""
    _, C, H, W = features.shape
    f = flow_at_stride(flow, stride, H, W)
    sx = torch.arange(W, dtype=torch.float32)[None, :] + f[0]
    sy = torch.arange(H, dtype=torch.float32)[:, None] + f[1]
    s = _f32(float(stride))
    lo = 0.5 / s - 0.5
    hi_x, hi_y = (_f32(float(flow.shape[2])) - 0.5) / s - 0.5, (_f32(float(flow.shape[1])) - 0.5) / s - 0.5
    valid = ((sx >= lo) & (sx <= hi_x) & (sy >= lo) & (sy <= hi_y)).to(features.dtype)
    x0, x1, ax = _taps(sx, W)
    y0, y1, ay = _taps(sy, H)
    flat = features[0].reshape(C, H * W)

    def tap(yy, xx):
        return flat[:, (yy * W + xx).reshape(-1)].reshape(C, H, W)
    out = ((1 - ax) * (1 - ay) * tap(y0, x0) + ax * (1 - ay) * tap(y0, x1)
           + (1 - ax) * ay * tap(y1, x0) + ax * ay * tap(y1, x1))
    return (out * valid)[None], valid[None, None]


class FuseHead(nn.Module):
    """Learned temporal fusion of one frame's FPN levels with the previous frame's.

    Per level: W = feature_warp(previous), a = sigmoid(sum_e embed(F)_e * embed(W)_e),
    out = F + valid * fuse([F, a * W]). ``fuse`` starts at zero, so an untrained head
    leaves the features unchanged.
    """

    def __init__(self, channels=256, embed_dims=32):
        super().__init__()
        self.embed = nn.Conv2d(channels, embed_dims, 1)
        self.fuse = nn.Conv2d(2 * channels, channels, 3, padding=1)
        nn.init.zeros_(self.fuse.weight)
        nn.init.zeros_(self.fuse.bias)

    def level(self, current, warped, valid):
        att = torch.sigmoid((self.embed(current) * self.embed(warped)).sum(dim=1, keepdim=True))
        return current + valid * self.fuse(torch.cat([current, att * warped], dim=1))

    def forward(self, current, previous, flow, padded_width):
        """Fuses every level of ``current`` (name -> 1 x C x H x W) with ``previous`` warped by
        ``flow`` (see feature_warp); a level's stride is the power of two nearest to
        padded_width / its width (FeatureMaps.stride(of:))."""
        out = type(current)()
        for name, f in current.items():
            stride = 1 << max(0, math.floor(math.log2(padded_width / f.shape[-1]) + 0.5))
            with torch.no_grad():
                warped, valid = feature_warp(previous[name], stride, flow)
            out[name] = self.level(f, warped, valid)
        return out


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
