#!/usr/bin/python3
"""Writes tiny ViT checkpoints (.safetensors) in the timm, Hugging Face and torchvision layouts,
with an independent NumPy reference forward pass (float64) of each: expected logits, attention and
rollout as .npy, and the hyper-parameters the loader must infer as expected.json.

NumPy only, deterministic (seeded). Usage: make_tiny_vit.py OUTDIR
(make_tiny_vit.py --compare CASE_DIR EXPORT_DIR checks an app export against the reference;
make_tiny_vit.py --random DEPTH,WIDTH,HEADS,PATCH,IMAGE,CLASSES OUTDIR: one random timm
checkpoint of that size, without a reference, for screenshots.)
Each case is OUTDIR/CASE/{model.safetensors, config.json?, input.npy, attention.npy, rollout.npy,
logits.npy?, expected.json}. F16 / BF16 cases store rounded weights; the reference uses the
rounded values, so the comparison measures the forward pass alone.
"""
import json
import math
import os
import sys

import numpy as np


def erf(x):
    return np.vectorize(math.erf)(x)


def write_safetensors(path, tensors, dtype="F32", pad=True):
    """tensors: list of (name, float64 array). Returns the arrays as stored (rounded to dtype)."""
    header, blobs, stored, offset = {}, [], {}, 0
    for name, a in tensors:
        a32 = np.ascontiguousarray(a, dtype=np.float32)
        if dtype == "F32":
            raw = a32.tobytes()
            back = a32.astype(np.float64)
        elif dtype == "F16":
            h = a32.astype(np.float16)
            raw = h.tobytes()
            back = h.astype(np.float64)
        else:  # BF16: round to nearest even on the upper 16 bits
            bits = a32.view(np.uint32).astype(np.uint64)
            rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
            raw = rounded.tobytes()
            back = (rounded.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        stored[name] = back.reshape(a.shape)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header).encode()
    if pad:
        text += b" " * ((8 - len(text) % 8) % 8)
    else:
        text += b" " * ((8 - len(text) % 8) % 8 + 1)  # deliberately misaligned data
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for b in blobs:
            f.write(b)
    return stored


def make_weights(rng, cfg):
    """Canonical weights (timm names) as float64."""
    d, m, p, c = cfg["width"], cfg["mlp"], cfg["patch"], 3
    g = cfg["grid"]
    prefix = int(cfg["cls"]) + int(cfg["dist"])
    pos_rows = g * g + (prefix if cfg.get("pos_covers_prefix", True) else 0)
    lin = lambda o, i: rng.normal(0, 1 / math.sqrt(i), (o, i))
    w = {"patch_embed.proj.weight": rng.normal(0, 1 / math.sqrt(c * p * p), (d, c, p, p)),
         "patch_embed.proj.bias": rng.normal(0, 0.1, (d,)),
         "pos_embed": rng.normal(0, 0.5, (1, pos_rows, d))}
    if cfg["cls"]:
        w["cls_token"] = rng.normal(0, 0.5, (1, 1, d))
    if cfg["dist"]:
        w["dist_token"] = rng.normal(0, 0.5, (1, 1, d))
    for i in range(cfg["depth"]):
        b = f"blocks.{i}."
        w[b + "norm1.weight"] = 1 + rng.normal(0, 0.1, (d,))
        w[b + "norm1.bias"] = rng.normal(0, 0.1, (d,))
        w[b + "attn.qkv.weight"] = lin(3 * d, d) * 2.0  # sharper attention than a trained init
        w[b + "attn.qkv.bias"] = rng.normal(0, 0.1, (3 * d,))
        w[b + "attn.proj.weight"] = lin(d, d)
        w[b + "attn.proj.bias"] = rng.normal(0, 0.1, (d,))
        w[b + "norm2.weight"] = 1 + rng.normal(0, 0.1, (d,))
        w[b + "norm2.bias"] = rng.normal(0, 0.1, (d,))
        w[b + "mlp.fc1.weight"] = lin(m, d)
        w[b + "mlp.fc1.bias"] = rng.normal(0, 0.1, (m,))
        w[b + "mlp.fc2.weight"] = lin(d, m)
        w[b + "mlp.fc2.bias"] = rng.normal(0, 0.1, (d,))
    w["norm.weight"] = 1 + rng.normal(0, 0.1, (d,))
    w["norm.bias"] = rng.normal(0, 0.1, (d,))
    if cfg["head"]:
        w["head.weight"] = lin(cfg["classes"], d)
        w["head.bias"] = rng.normal(0, 0.1, (cfg["classes"],))
        if cfg["dist"]:
            w["head_dist.weight"] = lin(cfg["classes"], d)
            w["head_dist.bias"] = rng.normal(0, 0.1, (cfg["classes"],))
    if cfg.get("pooler"):
        w["pooler.dense.weight"] = lin(d, d)
        w["pooler.dense.bias"] = rng.normal(0, 0.1, (d,))
    return w


def rename(w, cfg):
    """Canonical (timm) names -> the case's layout; returns a list of (name, array)."""
    layout, d = cfg["layout"], cfg["width"]
    if layout == "timm":
        return list(w.items())
    out = []
    if layout == "torchvision":
        tv_mlp = ("mlp.0", "mlp.3") if cfg.get("tv_numbered", True) else ("mlp.linear_1", "mlp.linear_2")
        top = {"patch_embed.proj": "conv_proj", "cls_token": "class_token", "pos_embed": "encoder.pos_embedding",
               "norm": "encoder.ln", "head": "heads.head"}
        for name, a in w.items():
            if name.startswith("blocks."):
                _, i, rest = name.split(".", 2)
                b = f"encoder.layers.encoder_layer_{i}."
                rest = (rest.replace("norm1", "ln_1").replace("norm2", "ln_2").replace("attn.proj", "self_attention.out_proj")
                        .replace("mlp.fc1", tv_mlp[0]).replace("mlp.fc2", tv_mlp[1]))
                rest = {"attn.qkv.weight": "self_attention.in_proj_weight", "attn.qkv.bias": "self_attention.in_proj_bias"}.get(rest, rest)
                out.append((b + rest, a))
            else:
                stem, _, leaf = name.rpartition(".")
                key = stem if stem in top else name
                out.append((top[key] + ("." + leaf if key == stem else "") if key in top else name, a))
        return out
    # Hugging Face
    root = "vit." if cfg.get("hf_prefix", True) else ""
    for name, a in w.items():
        if name.startswith("blocks."):
            _, i, rest = name.split(".", 2)
            b = f"{root}encoder.layer.{i}."
            if rest.startswith("attn.qkv"):
                leaf = rest.rsplit(".", 1)[1]
                for j, qkv in enumerate(("query", "key", "value")):
                    out.append((b + f"attention.attention.{qkv}.{leaf}", a[j * d:(j + 1) * d]))
                continue
            rest = (rest.replace("norm1", "layernorm_before").replace("norm2", "layernorm_after")
                    .replace("attn.proj", "attention.output.dense").replace("mlp.fc1", "intermediate.dense")
                    .replace("mlp.fc2", "output.dense"))
            out.append((b + rest, a))
        else:
            mapping = {"patch_embed.proj.weight": "embeddings.patch_embeddings.projection.weight",
                       "patch_embed.proj.bias": "embeddings.patch_embeddings.projection.bias",
                       "cls_token": "embeddings.cls_token", "pos_embed": "embeddings.position_embeddings",
                       "norm.weight": "layernorm.weight", "norm.bias": "layernorm.bias",
                       "pooler.dense.weight": "pooler.dense.weight", "pooler.dense.bias": "pooler.dense.bias"}
            if name.startswith("head."):
                out.append(("classifier." + name.split(".")[1], a))
            else:
                out.append((root + mapping[name], a))
    return out


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def reference(w, cfg, x):
    """Forward pass in float64 on canonical weights; x is 3 x S x S. Returns logits, attention, rollout."""
    d, p, g, h = cfg["width"], cfg["patch"], cfg["grid"], cfg["heads"]
    eps = cfg["eps"]
    dh = d // h
    patches = x.reshape(3, g, p, g, p).transpose(1, 3, 0, 2, 4).reshape(g * g, 3 * p * p)
    t = patches @ w["patch_embed.proj.weight"].reshape(d, -1).T + w["patch_embed.proj.bias"]
    prefix = [w[k][0] for k in ("cls_token", "dist_token") if k in w]
    pos = w["pos_embed"][0]
    if cfg.get("pos_covers_prefix", True):
        t = np.concatenate(prefix + [t]) if prefix else t
        t = t + pos
    else:
        t = np.concatenate(prefix + [t + pos])
    n = t.shape[0]
    attn = np.zeros((cfg["depth"], h, n, n))
    for i in range(cfg["depth"]):
        b = f"blocks.{i}."
        y = layer_norm(t, w[b + "norm1.weight"], w[b + "norm1.bias"], eps)
        qkv = y @ w[b + "attn.qkv.weight"].T + w[b + "attn.qkv.bias"]
        q, k, v = (qkv[:, j * d:(j + 1) * d].reshape(n, h, dh).transpose(1, 0, 2) for j in range(3))
        a = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(dh))
        attn[i] = a
        o = (a @ v).transpose(1, 0, 2).reshape(n, d)
        t = t + o @ w[b + "attn.proj.weight"].T + w[b + "attn.proj.bias"]
        y = layer_norm(t, w[b + "norm2.weight"], w[b + "norm2.bias"], eps)
        z = y @ w[b + "mlp.fc1.weight"].T + w[b + "mlp.fc1.bias"]
        z = 0.5 * z * (1 + erf(z / math.sqrt(2)))
        t = t + z @ w[b + "mlp.fc2.weight"].T + w[b + "mlp.fc2.bias"]
    t = layer_norm(t, w["norm.weight"], w["norm.bias"], eps)
    logits = None
    if cfg["head"]:
        if cfg["cls"]:
            logits = t[0] @ w["head.weight"].T + w["head.bias"]
            if cfg["dist"]:
                logits = 0.5 * (logits + t[1] @ w["head_dist.weight"].T + w["head_dist.bias"])
        else:
            nprefix = int(cfg["dist"])
            logits = t[nprefix:].mean(0) @ w["head.weight"].T + w["head.bias"]
    rollout = np.eye(n)
    for i in range(cfg["depth"]):
        a = attn[i].mean(0) + np.eye(n)
        a = a / a.sum(-1, keepdims=True)
        rollout = a @ rollout
    return logits, attn, rollout


CASES = [
    # name, layout, cls, dist, head, dtype, extra
    dict(name="timm_cls_head", layout="timm", cls=True, dist=False, head=True, heads=4, config={"num_heads": 4}),
    dict(name="timm_deit_distilled", layout="timm", cls=True, dist=True, head=True, heads=2, config={"model_args": {"num_heads": 2}}),
    dict(name="timm_no_tokens_no_head", layout="timm", cls=False, dist=False, head=False, heads=4, config={"num_heads": 4}),
    dict(name="timm_mean_pool_head", layout="timm", cls=False, dist=False, head=True, heads=4, config={"num_heads": 4}, dtype="BF16"),
    dict(name="timm_dino_no_embed_class", layout="timm", cls=True, dist=False, head=False, heads=1, pos_covers_prefix=False,
         config={"num_heads": 1}),
    dict(name="hf_cls_head", layout="huggingface", cls=True, dist=False, head=True, heads=4,
         config={"num_attention_heads": 4, "layer_norm_eps": 1e-12}, eps=1e-12),
    dict(name="hf_model_pooler_width_rule", layout="huggingface", cls=True, dist=False, head=False, heads=2, width=128,
         hf_prefix=False, pooler=True, eps=1e-12, config=None),
    dict(name="tv_cls_head", layout="torchvision", cls=True, dist=False, head=True, heads=4, config={"num_heads": 4}, pad=False),
    dict(name="tv_linear_names_f16", layout="torchvision", cls=True, dist=False, head=True, heads=2, tv_numbered=False,
         config={"num_heads": 2}, dtype="F16"),
]


def random_vit(spec, out_dir):
    """One larger random timm checkpoint (no reference): for screenshots and by-hand runs."""
    depth, width, heads, patch, image, classes = (int(v) for v in spec.split(","))
    cfg = dict(name="random", layout="timm", cls=True, dist=False, head=classes > 0, classes=classes, depth=depth, width=width,
               mlp=4 * width, patch=patch, grid=image // patch)
    os.makedirs(out_dir, exist_ok=True)
    w = make_weights(np.random.default_rng(7), cfg)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), list(w.items()))
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({"num_heads": heads}, f)


def compare(case_dir, export_dir):
    """Runs the reference on an app export's input.npy and compares its arrays (the app test)."""
    cfg = json.load(open(os.path.join(case_dir, "reference_cfg.json")))
    if cfg.get("pos_covers_prefix") is None:
        cfg["pos_covers_prefix"] = True
    weights = dict(np.load(os.path.join(case_dir, "reference_weights.npz")))
    x = np.load(os.path.join(export_dir, "input.npy")).astype(np.float64)
    logits, attn, rollout = reference(weights, cfg, x)
    worst = {}
    for name, want in (("attention", attn), ("rollout", rollout), ("logits", logits)):
        if want is None:
            if os.path.exists(os.path.join(export_dir, "logits.npy")):
                sys.exit("FAIL: logits.npy written for a model without a head")
            continue
        got = np.load(os.path.join(export_dir, name + ".npy")).astype(np.float64)
        if got.shape != want.shape:
            sys.exit(f"FAIL: {name} has shape {got.shape}, expected {want.shape}")
        scale = max(1.0, np.abs(want).max())
        err = np.abs(got - want)
        worst[name] = err.max()
        if not np.all(err <= 1e-4 * np.abs(want) + 1e-5 * scale):  # float32 against float64
            sys.exit(f"FAIL: {name} differs from the reference by up to {err.max():.3g}")
    print("ok, worst differences:", {k: f"{v:.2g}" for k, v in worst.items()})


def main():
    if sys.argv[1] == "--compare":  # --compare CASE_DIR EXPORT_DIR
        compare(sys.argv[2], sys.argv[3])
        return
    if sys.argv[1] == "--random":  # --random DEPTH,WIDTH,HEADS,PATCH,IMAGE,CLASSES OUTDIR
        random_vit(sys.argv[2], sys.argv[3])
        return
    out_dir = sys.argv[1]
    rng = np.random.default_rng(20261202)
    for case in CASES:
        cfg = dict(width=32, mlp=64, patch=4, grid=3, depth=2, classes=10, eps=1e-6, dtype="F32", pad=True)
        cfg.update(case)
        cfg["mlp"] = 2 * cfg["width"]
        d = os.path.join(out_dir, cfg["name"])
        os.makedirs(d, exist_ok=True)
        w = make_weights(rng, cfg)
        stored = write_safetensors(os.path.join(d, "model.safetensors"), rename(w, cfg), cfg["dtype"], cfg["pad"])
        # The reference uses the stored (rounded) values, mapped back to canonical names.
        canon = dict(zip(w.keys(), [None] * len(w)))
        named = rename({k: np.arange(v.size).reshape(v.shape) * 0 + i for i, (k, v) in enumerate(w.items())}, cfg)
        pieces = {}
        for (name, marker), (_, arr) in zip(named, [(n, stored[n]) for n, _ in named]):
            key = list(w.keys())[int(marker.flat[0])]
            pieces.setdefault(key, []).append(arr)
        for key in canon:
            canon[key] = np.concatenate(pieces[key]) if len(pieces[key]) > 1 else pieces[key][0]
        if cfg["config"] is not None:
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(cfg["config"], f)
        s = cfg["grid"] * cfg["patch"]
        x = rng.normal(0, 1, (3, s, s)).astype(np.float32)
        np.save(os.path.join(d, "input.npy"), x)
        logits, attn, rollout = reference(canon, cfg, x.astype(np.float64))
        np.save(os.path.join(d, "attention.npy"), attn.astype(np.float32))
        np.save(os.path.join(d, "rollout.npy"), rollout.astype(np.float32))
        if logits is not None:
            np.save(os.path.join(d, "logits.npy"), logits.astype(np.float32))
        prefix = int(cfg["cls"]) + int(cfg["dist"])
        expected = dict(layout=cfg["layout"], depth=cfg["depth"], width=cfg["width"], heads=cfg["heads"], mlp=cfg["mlp"],
                        patch=cfg["patch"], image_size=s, grid=cfg["grid"], tokens=cfg["grid"] ** 2 + prefix,
                        class_token=int(cfg["cls"]), dist_token=int(cfg["dist"]), head=int(cfg["head"]),
                        num_classes=cfg["classes"] if cfg["head"] else 0, ln_eps=cfg["eps"],
                        parameters=int(sum(v.size for v in w.values())))
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
        np.savez(os.path.join(d, "reference_weights.npz"), **canon)
        with open(os.path.join(d, "reference_cfg.json"), "w") as f:
            json.dump({k: cfg.get(k) for k in ("width", "patch", "grid", "heads", "eps", "depth", "cls", "dist", "head",
                                               "pos_covers_prefix")}, f)
    # Bad files for the app's exit-code tests: a header length that lies; a valid file of no ViT layout.
    with open(os.path.join(out_dir, "bad_header_lies.safetensors"), "wb") as f:
        f.write((1 << 40).to_bytes(8, "little") + b'{"x":{}}')
    write_safetensors(os.path.join(out_dir, "bad_no_layout.safetensors"), [("encoder.weight", np.ones((2, 2)))])
    with open(os.path.join(out_dir, "cases.txt"), "w") as f:
        f.write("\n".join(c["name"] for c in CASES) + "\n")


if __name__ == "__main__":
    main()
