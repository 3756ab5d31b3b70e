#!/usr/bin/python3
"""By hand, not in the suite: checks make_tiny_vit.py's NumPy reference against PyTorch itself.
Loads each torchvision-layout case into torchvision.models.VisionTransformer (torch's own forward
pass, in float64) and prints the largest differences from the reference's logits and attention.
Usage: check_reference_torch.py OUTDIR_OF_make_tiny_vit"""
import json
import os
import sys

import numpy as np
import torch
import torchvision

torch.set_default_dtype(torch.float64)


def load(path):
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, t = e["data_offsets"]
        dt = {"F32": np.float32, "F16": np.float16}.get(e["dtype"])
        a = np.frombuffer(raw[8 + n + b:8 + n + t], dtype=dt).astype(np.float64).reshape(e["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out


root = sys.argv[1]
for case in open(os.path.join(root, "cases.txt")).read().split():
    d = os.path.join(root, case)
    exp = json.load(open(os.path.join(d, "expected.json")))
    if exp["layout"] != "torchvision":
        continue
    sd = load(os.path.join(d, "model.safetensors"))
    sd = {k.replace("mlp.linear_1", "mlp.0").replace("mlp.linear_2", "mlp.3"): v for k, v in sd.items()}
    m = torchvision.models.VisionTransformer(exp["image_size"], exp["patch"], exp["depth"], exp["heads"], exp["width"], exp["mlp"],
                                             num_classes=exp["num_classes"]).double().eval()
    m.load_state_dict(sd)
    x = torch.from_numpy(np.load(os.path.join(d, "input.npy")).astype(np.float64))[None]
    # torchvision's attention weights, by asking its MultiheadAttention for them (averaged off).
    maps = []
    for layer in m.encoder.layers:
        orig = layer.self_attention.forward
        def fwd(query, key, value, need_weights=False, _orig=orig, **kw):
            out, w = _orig(query, key, value, need_weights=True, average_attn_weights=False, **kw)
            maps.append(w[0].detach().numpy())
            return out, w
        layer.self_attention.forward = fwd
    with torch.no_grad():
        logits = m(x)[0].numpy()
    ref = np.load(os.path.join(d, "logits.npy"))
    att = np.load(os.path.join(d, "attention.npy"))
    print(f"{case}: torchvision logits max |diff| {np.abs(logits - ref).max():.2e} (max |logit| {np.abs(ref).max():.2f}), "
          f"attention max |diff| {np.abs(np.stack(maps) - att).max():.2e}")
