#!/usr/bin/env python3
"""Writes the tiny checkpoint fixtures under Tests/Fixtures/checkpoints/ (needs torch).

- small.pth: a torch.save'd state dict (float32, float16, int64 counter, a
  tensor that is a view with a storage offset), as torch writes it.
- small.json: the expected names, shapes, dtypes and values.
- hostile.pth: same container, but the pickle calls os.system; must be rejected.
"""
import io
import json
import os
import pickle
import zipfile

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "checkpoints")


def main():
    os.makedirs(OUT, exist_ok=True)
    base = torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) / 7
    shared = torch.linspace(-1, 1, 10)
    sd = {
        "conv.weight": base,
        "bn.running_var": torch.tensor([0.5, 1.5, 2.5]),
        "bn.num_batches_tracked": torch.tensor(7, dtype=torch.int64),
        "half.weight": torch.tensor([1.5, -2.25, 1024.0], dtype=torch.float16),
        "view.bias": shared[3:7],  # shares a storage with an offset
        "view.whole": shared,
    }
    torch.save(sd, os.path.join(OUT, "small.pth"))
    expected = {k: {"shape": list(v.shape), "dtype": str(v.dtype).replace("torch.", ""),
                    "values": [float(x) for x in v.reshape(-1).tolist()]} for k, v in sd.items()}
    with open(os.path.join(OUT, "small.json"), "w") as f:
        json.dump(expected, f, indent=1)

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("hostile/data.pkl", pickle.dumps({"x": Evil()}, protocol=2))
        z.writestr("hostile/version", "3\n")
    with open(os.path.join(OUT, "hostile.pth"), "wb") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    main()
