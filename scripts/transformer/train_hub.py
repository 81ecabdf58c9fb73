"""Trains the LoRAHub hub of a transformer model: one LoRA adapter per source domain on its train split, on
the same targets the editor adapts (the top `adaptLayers` transformer layers' projections and the heads),
written in the adapter format of src/core/adapters/adapterFiles.ts (adapter.json, lora.bin, types.json).

  python train_hub.py --model DIR --weights FLOAT.bin --data DIR --out DIR/adapters [--exclude music] [--steps 300]
--weights: the shipped weights as float32 BNWT (dequantised): adapters are deltas of exactly those.
"""
import argparse
import datetime
import json
import os
import random

import numpy as np
import torch
import torch.nn.functional as F

from data import batches, collate, read_rows
from losses import boundary_contrastive, tag_loss, type_loss
from model import BanerTransformer, Lora
from weights_io import load_bnwt, save_bnwt

DOMAINS = ["news", "politics", "science", "music", "literature", "ai"]
HEAD_TARGETS = ["input.W", "conv0.W", "tags.W", "span.W"]
LAYER_TARGETS = ["q", "k", "v", "o", "ffn1", "ffn2"]


def lower_states(model, batch, first):
    """States leaving layer first-1 (the embeddings when first = 0), without dropout."""
    x = model.emb_ln(model.word[batch["ids"]] + model.pos[: batch["ids"].shape[1]].unsqueeze(0) + model.token_type)
    h = x
    bias = (1.0 - batch["piece_mask"])[:, None, None, :] * -1e4
    for i in range(first):
        h = model.layers[i](h, bias)
    return h


def targets(cfg, layers):
    return [f"l{i}.{p}.W" for i in range(cfg["layers"] - layers, cfg["layers"]) for p in LAYER_TARGETS] + HEAD_TARGETS


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="the assembled model folder (manifest.json)")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--exclude", default="")
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--rank", type=int, default=8)
    ap.add_argument("--alpha", type=float, default=16)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--contrastive-weight", type=float, default=0.1)
    ap.add_argument("--news-sentences", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=0)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    manifest = json.load(open(os.path.join(a.model, "manifest.json")))
    cfg = dict(manifest["architecture"])
    cfg.update(dropout=0.1, headDropout=0.2)
    adapt_layers = manifest["adaptation"]["adaptLayers"]
    names = targets(cfg, adapt_layers)
    model = BanerTransformer(cfg)
    model.load_named(load_bnwt(a.weights), strict_heads=True)
    for p in model.parameters():
        p.requires_grad_(False)
    shapes = model.linear_shapes()
    meta = json.load(open(os.path.join(a.data, "meta.json")))
    excluded = [d for d in a.exclude.split(",") if d]
    with open(os.path.join(a.model, "weights.bin"), "rb") as f:
        import hashlib

        base_hash = hashlib.sha256(f.read()).hexdigest()
    for domain in DOMAINS:
        if domain in excluded:
            continue
        rng = random.Random(a.seed)
        torch.manual_seed(a.seed)
        rows = read_rows(os.path.join(a.data, f"{domain}-train.jsonl"), domain)
        if len(rows) > a.news_sentences:
            rng.shuffle(rows)
            rows = rows[: a.news_sentences]
        labels = meta["types"][domain]
        lora = Lora(a.rank, a.alpha)
        gen = torch.Generator().manual_seed(a.seed)
        for n in names:
            lora.add(n, *shapes[n], generator=gen)
        classes = torch.nn.Parameter(torch.randn(len(labels), cfg["spanDims"]) * 0.1)
        optimizer = torch.optim.Adam(lora.parameters() + [classes], lr=a.lr)
        first_adapted = cfg["layers"] - adapt_layers
        # The frozen layers run once: batches are fixed, their order shuffled every pass.
        order = list(range(len(rows)))
        rng.shuffle(order)
        fixed = []
        model.eval()
        with torch.no_grad():
            for at in range(0, len(order), a.batch):
                chunk = [rows[i] for i in order[at : at + a.batch]]
                batch = collate(chunk)
                lower = lower_states(model, batch, first_adapted)
                fixed.append((chunk, batch, lower))
        model.train()
        step, losses = 0, []
        while step < a.steps:
            rng.shuffle(fixed)
            for chunk, batch, lower in fixed:
                if step >= a.steps:
                    break
                tags, g, kept = model(batch, lora, keep_layers=(first_adapted,), lower=lower, first=first_adapted)
                # The contrastive loss reads the first adapted layer: a transformer layer, or the heads' convolution states.
                contrastive_states = kept[first_adapted] if first_adapted < cfg["layers"] else g[:, :, cfg["hiddenDims"] :]
                loss = tag_loss(tags, batch["tags"], batch["word_mask"])
                spans = [(b, s, e, t) for b, r in enumerate(chunk) for s, e, t in r["spans"]]
                if spans:
                    emb = model.span_embeddings(g, [(b, s, e) for b, s, e, _ in spans], lora)
                    loss = loss + type_loss(emb, torch.tensor([t for *_, t in spans]), classes, cfg["typeScale"])
                if a.contrastive_weight > 0:
                    loss = loss + a.contrastive_weight * boundary_contrastive(contrastive_states, chunk, 0.2, 2, rng)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                losses.append(float(loss))
                step += 1
        model.eval()
        # The adapter's types: prototypes of its domain's spans under the adapted model.
        sums = torch.zeros(len(labels), cfg["spanDims"])
        with torch.no_grad():
            for idx in batches(rows, 4096, shuffle=False):
                batch = collate([rows[i] for i in idx])
                _, g, _ = model(batch, lora)
                spans = [(k, s, e, t) for k, i in enumerate(idx) for s, e, t in rows[i]["spans"]]
                if spans:
                    emb = model.span_embeddings(g, [(k, s, e) for k, s, e, _ in spans], lora)
                    sums.index_add_(0, torch.tensor([t for *_, t in spans]), emb)
        vectors = F.normalize(sums, dim=-1)
        out = os.path.join(a.out, domain)
        os.makedirs(out, exist_ok=True)
        tensors = {}
        for n in names:
            A, B = lora.modules[n]
            tensors[n + ".A"] = A.detach().numpy()
            tensors[n + ".B"] = B.detach().numpy()
        save_bnwt(os.path.join(out, "lora.bin"), tensors)
        json.dump(dict(labels=labels, vectors=[float(x) for x in vectors.flatten()]), open(os.path.join(out, "types.json"), "w"))
        config = dict(
            format="baner-lora/1",
            name=domain,
            baseModel=dict(id=manifest["id"], hash=base_hash),
            rank=a.rank,
            alpha=a.alpha,
            targets=names,
            types=labels,
            created=datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
            training=dict(method="hub", data=meta["files"][f"{domain}-train"]["file"], sentences=len(rows), steps=a.steps, learningRate=a.lr, batch=a.batch, contrastiveWeight=a.contrastive_weight, seed=a.seed, firstLoss=float(np.mean(losses[:20])), lastLoss=float(np.mean(losses[-20:]))),
        )
        with open(os.path.join(out, "adapter.json"), "w") as f:
            f.write(json.dumps(config, indent=2) + "\n")
        print(f"{domain}: {len(rows)} sentences, loss {config['training']['firstLoss']:.3f} -> {config['training']['lastLoss']:.3f}", flush=True)


if __name__ == "__main__":
    main()
