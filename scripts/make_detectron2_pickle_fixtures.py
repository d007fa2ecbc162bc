#!/usr/bin/env python3
"""Writes the small pickle fixtures of the Detectron2 `.pkl` reader.

Tests/Fixtures/detectron2/pickles/:
  zoo_np2_p{2,3,4}.pkl   model-zoo layout, pickled by numpy 2 (numpy._core names)
  zoo_np1_p{2,4}.pkl     the same with numpy 1's global name (numpy.core.multiarray)
  zoo_py2.pkl            hand-assembled as Python 2's cPickle writes it (BINSTRING)
  expected.json          the tensors every zoo_* file must give (ignored keys left out)
  hostile_system.pkl     calls os.system (never loaded here: only written)
  big_endian.pkl, float16.pkl, object_array.pkl, protocol5.pkl, protocol0.pkl,
  caffe2_blobs.pkl, no_model.pkl, deep.pkl   files the reader must refuse
  zero_width.pkl, scalar_shapes.pkl   readable, but no model can be built from them

Run with numpy >= 2:  python scripts/make_detectron2_pickle_fixtures.py
"""
import io
import json
import os
import pickle
import struct
import sys

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "detectron2", "pickles")


def model():
    rng = np.random.default_rng(12)
    return {
        "backbone.bottom_up.stem.conv1.weight": rng.standard_normal((2, 3, 1, 1)).astype(np.float32),
        "roi_heads.box_predictor.cls_score.bias": rng.standard_normal(4).astype(np.float64),
        "counts": np.array([3, -7, 1 << 40], dtype=np.int64),
        "fortran.weight": np.asfortranarray(np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8),
        "scalar": np.array(2.5, dtype=np.float32),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "pixel_mean": np.array([103.53, 116.28, 123.675], dtype=np.float32).reshape(3, 1, 1),
        "pixel_std": np.ones((3, 1, 1), dtype=np.float32),
        "proposal_generator.anchor_generator.cell_anchors.0": np.zeros((3, 4), dtype=np.float32),
    }


def expected(m):
    out = {}
    for k, v in m.items():
        if k in ("pixel_mean", "pixel_std") or "cell_anchors" in k:
            continue
        out[k] = {"shape": list(v.shape), "dtype": v.dtype.str[1:], "values": [float(x) for x in np.ascontiguousarray(v).ravel()]}
    return out


class Numpy1Names(pickle.Pickler):
    """Pickles arrays with numpy 1's `numpy.core.multiarray._reconstruct`."""

    def reducer_override(self, obj):
        if isinstance(obj, np.ndarray):
            fn, args, state = obj.__reduce__()
            return (_reconstruct_np1, args, state)
        return NotImplemented


def _reconstruct_np1(*a):
    raise RuntimeError("only pickled")


_reconstruct_np1.__module__ = "numpy.core.multiarray"
_reconstruct_np1.__qualname__ = "_reconstruct"
_reconstruct_np1.__name__ = "_reconstruct"


def dump_np1(obj, protocol):
    import numpy.core.multiarray as legacy  # numpy 2 keeps this module as an alias
    saved = getattr(legacy, "_reconstruct")
    setattr(legacy, "_reconstruct", _reconstruct_np1)
    try:
        buf = io.BytesIO()
        Numpy1Names(buf, protocol=protocol).dump(obj)
        return buf.getvalue()
    finally:
        setattr(legacy, "_reconstruct", saved)


def py2_pickle(m):
    """Protocol 2 as Python 2's cPickle writes it: keys and array bytes as BINSTRING."""
    out = bytearray(b"\x80\x02}q\x00(")

    def s(b):
        return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<I", len(b)) + b)

    out += s(b"__author__") + s(b"Detectron2 fixture")
    out += s(b"model") + b"}q\x01("
    memo = 2
    for k, v in m.items():
        v = np.require(v, requirements="C")
        out += s(k.encode())
        out += b"cnumpy.core.multiarray\n_reconstruct\nq" + bytes([memo]) + b"cnumpy\nndarray\nK\x00\x85" + s(b"b") + b"\x87R"
        memo += 1
        out += b"(K\x01(" + b"".join(b"K" + bytes([d]) if d < 256 else b"M" + struct.pack("<H", d) for d in v.shape) + b"t"
        out += b"cnumpy\ndtype\n" + s(v.dtype.str[1:].encode()) + b"K\x00K\x01\x87R(K\x03" + s(b"<") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
        out += b"\x89" + s(v.tobytes()) + b"tb"
    out += b"u" + b"u."
    return bytes(out)


class System:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    assert int(np.__version__.split(".")[0]) >= 2, "run with numpy 2 (it writes numpy._core names)"
    os.makedirs(OUT, exist_ok=True)
    m = model()
    zoo = {"model": m, "__author__": "Detectron2 fixture"}
    for p in (2, 3, 4):
        write(f"zoo_np2_p{p}.pkl", pickle.dumps(zoo, protocol=p))
    for p in (2, 4):
        data = dump_np1(zoo, p)
        assert b"numpy.core.multiarray" in data or b"numpy.core" in data
        write(f"zoo_np1_p{p}.pkl", data)
    write("zoo_py2.pkl", py2_pickle(m))
    exp = expected(m)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"author": "Detectron2 fixture", "tensors": exp}, f, indent=1, sort_keys=True)

    write("hostile_system.pkl", pickle.dumps({"model": {"w": System()}}, protocol=2))
    write("big_endian.pkl", pickle.dumps({"model": {"w": np.ones(2, dtype=">f4")}}, protocol=3))
    write("float16.pkl", pickle.dumps({"model": {"w": np.ones(2, dtype=np.float16)}}, protocol=3))
    write("object_array.pkl", pickle.dumps({"model": {"w": np.array([1, "a"], dtype=object)}}, protocol=2))
    write("protocol5.pkl", pickle.dumps({"model": {"w": np.ones(2, dtype=np.float32)}}, protocol=5))
    write("protocol0.pkl", pickle.dumps({"model": {"w": [1.0, 2.0]}}, protocol=0))
    write("caffe2_blobs.pkl", pickle.dumps({"blobs": {"w": np.ones(2, dtype=np.float32)}}, protocol=2))
    write("no_model.pkl", pickle.dumps({"weights": {"w": np.ones(2, dtype=np.float32)}}, protocol=2))
    # Valid pickles whose shapes would give a model of zero width, or no shape at all.
    write("zero_width.pkl", pickle.dumps({"model": {"backbone.bottom_up.stem.conv1.weight": np.zeros((0, 3, 7, 7), np.float32),
                                                    "roi_heads.box_head.fc1.weight": np.zeros((0, 12544), np.float32)}}, protocol=2))
    write("scalar_shapes.pkl", pickle.dumps({"model": {"backbone.bottom_up.stem.conv1.weight": np.array(1.0, np.float32),
                                                       "roi_heads.box_predictor.cls_score.weight": np.array(1.0, np.float32),
                                                       "sem_seg_head.predictor.weight": np.array(1.0, np.float32)}}, protocol=2))
    deep = []
    for _ in range(200):
        deep = [deep]
    write("deep.pkl", pickle.dumps({"model": deep}, protocol=2))
    print("wrote", sorted(os.listdir(OUT)), file=sys.stderr)


if __name__ == "__main__":
    main()
