#!/usr/bin/env python3
"""Writes the small generated seed files of the fuzz corpora (scripts/fuzz/seeds/TARGET/).

    /tmp/tv/bin/python scripts/fuzz/make_seeds.py

Needs torch and safetensors for the checkpoint seeds. Each file is a valid
input that reaches deep into its reader (every dtype, views with offsets and
strides, metadata, RLE masks, segments); the fuzzer mutates from there.
"""
import io
import json
import os
import zipfile

import torch
from safetensors.torch import save as st_save

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def main():
    tensors = {
        "a.weight": torch.arange(6, dtype=torch.float32).reshape(2, 3),
        "b.half": torch.tensor([1.5, -2.0], dtype=torch.float16),
        "c.bf16": torch.tensor([0.25], dtype=torch.bfloat16),
        "d.long": torch.tensor([3, 4], dtype=torch.int64),
        "e.double": torch.tensor([[1.0]], dtype=torch.float64),
        "f.int": torch.tensor([7], dtype=torch.int32),
        "g.byte": torch.tensor([1, 2], dtype=torch.uint8),
        "h.bool": torch.tensor([True, False]),
        "i.scalar": torch.tensor(2.0),
    }
    put("safetensors", "all_dtypes.safetensors", st_save(tensors, metadata={"config": '{"numClasses": 3}'}))
    put("safetensors", "one.safetensors", st_save({"w": torch.ones(1)}))

    # torch.save: a view (offset and stride into a shared storage), a transposed tensor, all dtypes.
    base = torch.arange(12, dtype=torch.float32)
    sd = dict(tensors)
    sd["view"] = base[2:8:2]
    sd["t"] = base[:6].reshape(2, 3).t()
    buf = io.BytesIO()
    torch.save(sd, buf)
    put("torch-zip", "views_dtypes.pth", buf.getvalue())
    buf = io.BytesIO()
    torch.save({"w": torch.zeros(1)}, buf)
    put("torch-zip", "one.pth", buf.getvalue())
    # The pickle alone: storages are named "0", "1", … as the fuzz target provides them.
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        put("torch-pickle", "one.pkl", z.read([n for n in z.namelist() if n.endswith("data.pkl")][0]))
    buf = io.BytesIO()
    torch.save({"x": torch.arange(4, dtype=torch.float32)[1:], "y": torch.zeros(2, 2, dtype=torch.float16),
                "z": torch.ones(3, dtype=torch.int64)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        put("torch-pickle", "three.pkl", z.read([n for n in z.namelist() if n.endswith("data.pkl")][0]))

    put("pipeline-yaml", "anchors.yaml", "name: &n x\ndescription: |\n  two\n  lines\nqueue_capacity: 2\n"
        "stages:\n  - decode: {}\n  - motion: {method: dis, scale: 0.5, on: true}\n  - render: *n\n")

    # 4x3 masks as uncompressed and compressed COCO RLE.
    rle_list = {"size": [3, 4], "counts": [1, 3, 2, 6]}
    rle_str = {"size": [3, 4], "counts": "12;2"}
    put("coco-json", "dataset.json", json.dumps({
        "images": [{"id": 1, "frame_index": 0, "width": 4, "height": 3}, {"id": 2, "frame_index": 3}],
        "annotations": [{"image_id": 1, "category_id": 2, "track_id": 2001, "score": 0.5, "segmentation": rle_list},
                        {"image_id": 2, "category_id": 5, "segmentation": rle_str, "bbox": [0, 0, 1, 1]}],
        "categories": [{"id": 2, "name": "a"}]}))
    put("youtube-vis-json", "tracks.json", json.dumps([
        {"video_id": 1, "category_id": 3, "score": 0.9, "track_id": 7, "segmentations": [rle_list, None, rle_str]},
        {"video_id": 1, "category_id": 3, "segmentations": [None, rle_list]}]))
    put("mots-text", "two.txt", "1 2001 2 3 4 12;2\n2 2001 2 3 4 1302\n2 10000 10 3 4 <\n")
    put("mot-text", "rows.txt", "1,1,10.5,20,30,40,0.9,-1,-1,-1\n2,1,11,21,30,40,1,-1,-1,-1\n")
    put("panoptic-json", "coco_panoptic.json", json.dumps({
        "images": [{"id": 1, "file_name": "000000.jpg", "width": 4, "height": 4, "frame_index": 0}],
        "annotations": [{"image_id": 1, "file_name": "000000.png", "segments_info": [
            {"id": 2001, "category_id": 2, "area": 8, "bbox": [0, 0, 4, 2], "iscrowd": 0, "track_id": 1, "score": 0.5},
            {"id": 7000, "category_id": 7}]}],
        "categories": [{"id": 2, "name": "a", "isthing": 1, "color": [1, 2, 3]}, {"id": 7, "name": "s", "isthing": False}]}))


if __name__ == "__main__":
    main()
