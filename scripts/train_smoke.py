#!/usr/bin/env python3
"""Smoke run of scripts/train.py for developers (not CI): a few steps, one
interruption and resume, export, and vps reading the result.

    /tmp/tv/bin/python scripts/train_smoke.py [--steps 30] [--data DIR]

Checks that a run stopped by --max-minutes and continued with --resume ends
with exactly the same weights as an uninterrupted run of the same steps, and
that `vps weights inspect` reads the exported float16 safetensors.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def train(*args):
    subprocess.run([sys.executable, os.path.join(HERE, "train.py"), *args], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--data", default=None, help="synth data directory to reuse (default: a temporary one)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vps-train-smoke-") as tmp:
        data = args.data or os.path.join(tmp, "data")
        common = ["--data", data, "--steps", str(args.steps), "--val-minutes", "0", "--log-every", "5",
                  "--threads", str(args.threads)]
        train("--run", os.path.join(tmp, "straight"), *common)
        train("--run", os.path.join(tmp, "resumed"), *common, "--max-minutes", "0.1")
        stopped = torch.load(os.path.join(tmp, "resumed", "state.pt"), weights_only=False)["step"]
        train("--run", os.path.join(tmp, "resumed"), *common, "--resume")
        a = torch.load(os.path.join(tmp, "straight", "state.pt"), weights_only=False)
        b = torch.load(os.path.join(tmp, "resumed", "state.pt"), weights_only=False)
        assert a["step"] == b["step"] == args.steps, (a["step"], b["step"])
        differ = [k for k in a["model"] if not torch.equal(a["model"][k], b["model"][k])]
        if differ:
            raise SystemExit(f"resume is not exact: {len(differ)} tensors differ, e.g. {differ[:3]}")
        print(f"resume exact: stopped at step {stopped}, resumed to {args.steps}, all {len(a['model'])} tensors equal")
        out = os.path.join(tmp, "model.safetensors")
        train("--run", os.path.join(tmp, "resumed"), "--data", data, "--export-only", "--export", out, "--half")
        vps = os.path.join(ROOT, ".build", "release", "vps")
        r = subprocess.run([vps, "weights", "inspect", out], capture_output=True, text=True)
        print(r.stdout.strip())
        if r.returncode != 0:
            raise SystemExit(f"vps weights inspect failed: {r.stderr.strip()}")
        print(f"smoke run passed ({os.path.getsize(out) / 1e6:.1f} MB float16)")


if __name__ == "__main__":
    main()
