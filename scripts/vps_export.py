"""Writes vps safetensors checkpoints (scripts only, never CI).

One code path for every checkpoint vps's scripts write
(`convert_torchvision.py`, `train.py`): the float tensors of a state dict
under their own names (integer buffers such as BatchNorm's
`num_batches_tracked` are left out), optionally stored as float16 (vps widens
them to float32 at load), and the vps model config as JSON in the metadata
key `vps.config`.
"""
import json
import os

import torch
from safetensors.torch import save_file


def save_checkpoint(state_dict, config, path, source, half=False):
    """Writes `state_dict`'s float tensors and `config` to `path`, atomically.

    Returns the number of tensors written.
    """
    dtype = torch.float16 if half else torch.float32
    out = {k: v.detach().to(dtype).contiguous() for k, v in state_dict.items() if v.is_floating_point()}
    tmp = f"{path}.tmp-{os.getpid()}"
    save_file(out, tmp, metadata={"vps.config": json.dumps(config, sort_keys=True), "vps.source": source})
    os.replace(tmp, path)
    return len(out)
