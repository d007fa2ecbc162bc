#!/usr/bin/env python3
"""Writes the hand-made fuzz regression inputs that the fuzzers cannot reach
(python3, no torch):

    python3 scripts/fuzz/make_regressions.py

- Tests/Fixtures/fuzz/torch-zip/storage_numel_overflow.pth: the torch zip
  checkpoint Tests/Fixtures/checkpoints/small.pth with its first storage's
  element count (the last field of the pickle's persistent id, BININT1 24)
  replaced by 2**62, so that count x 4 bytes overflows a 64-bit integer.
"""
import os
import struct
import zipfile

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def storage_numel_overflow():
    src = zipfile.ZipFile(os.path.join(ROOT, "Tests", "Fixtures", "checkpoints", "small.pth"))
    out = os.path.join(ROOT, "Tests", "Fixtures", "fuzz", "torch-zip", "storage_numel_overflow.pth")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name.endswith("data.pkl"):
                old = b"X\x03\x00\x00\x00cpuq\x06K\x18t"  # 'cpu', BINPUT 6, BININT1 24, TUPLE
                assert data.count(old) == 1, "small.pth changed: update the pattern"
                data = data.replace(old, b"X\x03\x00\x00\x00cpuq\x06\x8a\x08" + struct.pack("<q", 2 ** 62) + b"t")
            dst.writestr(name, data)
    print("wrote", out)


if __name__ == "__main__":
    storage_numel_overflow()
