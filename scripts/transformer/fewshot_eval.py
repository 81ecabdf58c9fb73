"""Quick few-shot check of a trained model in Python (for choosing settings; the reported figures come from
`baner bench-fewshot` in TypeScript): K-shot support sets (Few-NERD greedy sampling) from a target's pool,
prototypes of the support spans plus a non-entity prototype, F1 on the target's dev split.

  python fewshot_eval.py --model DIR --data DIR [--targets wnut17,music] [--shots 1,5] [--seeds 3]
"""
import argparse
import json
import os
import random

import torch
import torch.nn.functional as F

from data import batches, collate, read_rows
from decode import decode_spans, f1
from model import BanerTransformer
from weights_io import load_bnwt

POOLS = {"wnut17": ("wnut17-pool", "wnut17-dev")}
for d in ["politics", "science", "music", "literature", "ai"]:
    POOLS[d] = (f"{d}-train", f"{d}-dev")


def sample_support(pool, k, seed):
    types = sorted({t for r in pool for *_, t in r["spans"]})
    counts = {t: 0 for t in types}
    order = list(range(len(pool)))
    random.Random(seed).shuffle(order)
    chosen = []
    for i in order:
        if all(counts[t] >= k for t in types):
            break
        m = {}
        for *_, t in pool[i]["spans"]:
            m[t] = m.get(t, 0) + 1
        if not m or not any(counts[t] < k for t in m) or any(counts[t] + m[t] > 2 * k for t in m):
            continue
        for t in m:
            counts[t] += m[t]
        chosen.append(pool[i])
    return chosen


def run(model, rows, hp_cells=8192):
    """Detected spans and embeddings per row; gold span embeddings per row."""
    out = [None] * len(rows)
    with torch.no_grad():
        for idx in batches(rows, hp_cells, shuffle=False):
            batch = collate([rows[i] for i in idx])
            tags, g, _ = model(batch)
            lp = F.log_softmax(tags, -1).numpy()
            det = [(k, s, e) for k, i in enumerate(idx) for s, e, _ in decode_spans(lp[k, : len(rows[i]["ws"])])]
            gold = [(k, s, e) for k, i in enumerate(idx) for s, e, _ in rows[i]["spans"]]
            de = model.span_embeddings(g, det)
            ge = model.span_embeddings(g, gold)
            for k, i in enumerate(idx):
                out[i] = dict(det=[], gold=[])
            for (k, s, e), v in zip(det, de):
                out[idx[k]]["det"].append((s, e, v))
            for (k, s, e), v in zip(gold, ge):
                out[idx[k]]["gold"].append((s, e, v))
    return out


def episode(model, support, dev_rows, dev_out, scale, negative=True):
    sup = run(model, support)
    labels, vecs, neg = [], [], []
    for r, o in zip(support, sup):
        gold = {(s, e) for s, e, _ in r["spans"]}
        for (s, e, t), (_, _, v) in zip(r["spans"], o["gold"]):
            labels.append(t)
            vecs.append(v)
        neg.extend(v for s, e, v in o["det"] if (s, e) not in gold)
    classes = sorted(set(labels))
    protos = torch.stack([F.normalize(torch.stack([v for l, v in zip(labels, vecs) if l == c]).sum(0), dim=-1) for c in classes])
    names = list(classes)
    if neg and negative:
        protos = torch.cat([protos, F.normalize(torch.stack(neg).sum(0), dim=-1)[None]])
        names.append("O")
    gold, pred, gs, ps = set(), set(), set(), set()
    for i, (r, o) in enumerate(zip(dev_rows, dev_out)):
        for s, e, t in r["spans"]:
            gold.add((i, s, e, t))
            gs.add((i, s, e))
        for s, e, v in o["det"]:
            c = names[int((protos @ v).argmax())]
            if c != "O":
                pred.add((i, s, e, c))
                ps.add((i, s, e))
    return 100 * f1(gold, pred), 100 * f1(gs, ps)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--targets", default="wnut17")
    ap.add_argument("--shots", default="1,5")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--dev-limit", type=int, default=0)
    ap.add_argument("--no-negative", action="store_true", help="ablation: no prototype of non-entity spans")
    a = ap.parse_args()
    info = json.load(open(os.path.join(a.model, "training.json")))
    model = BanerTransformer(info["config"])
    model.load_named(load_bnwt(os.path.join(a.model, "weights.bin")), strict_heads=True)
    model.eval()
    results = {}
    for target in a.targets.split(","):
        pool_name, dev_name = POOLS[target]
        pool = read_rows(os.path.join(a.data, pool_name + ".jsonl"), target)
        dev = read_rows(os.path.join(a.data, dev_name + ".jsonl"), target)
        if a.dev_limit:
            dev = dev[: a.dev_limit]
        dev_out = run(model, dev)
        for k in map(int, a.shots.split(",")):
            scores = [episode(model, sample_support(pool, k, seed), dev, dev_out, info["config"]["typeScale"], not a.no_negative) for seed in range(1, a.seeds + 1)]
            f = sum(s[0] for s in scores) / len(scores)
            sp = sum(s[1] for s in scores) / len(scores)
            results[f"{target}/{k}"] = dict(f1=round(f, 2), span_f1=round(sp, 2))
            print(f"{target} {k}-shot: F1 {f:.2f} (span F1 {sp:.2f}) over {len(scores)} seeds", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
