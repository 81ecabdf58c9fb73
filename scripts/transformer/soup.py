"""Weight interpolation of two runs of the same lineage (stage B continues stage A): W = alpha A + (1 - alpha) B.

Stage A (news only) is the better news tagger, stage B (news sample + CrossNER) the better few-shot start;
averaging their weights (Wortsman et al. 2022, "robust fine-tuning" / model soups) keeps much of both, with no
extra training. Called by `npm run train:transformer -- --steps soup,assemble,... --soup-alpha A` (build.ts);
off by default: measured in docs/BENCHMARKS.md 0.7, it cost the held-out few-shot targets more than it gave.

  python soup.py --a RUN_A --b RUN_B --alpha 0.5 --data DIR --out RUN_OUT
Writes RUN_OUT/weights.bin, types.json (news prototypes recomputed under the averaged weights) and training.json
(stage B's record with the soup's settings).
"""
import argparse
import json
import os
import time

import torch
import torch.nn.functional as F

from model import BanerTransformer
from train import news_prototypes
from weights_io import load_bnwt, save_bnwt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="run folder weighted by alpha (stage A)")
    ap.add_argument("--b", required=True, help="run folder weighted by 1 - alpha (stage B)")
    ap.add_argument("--alpha", type=float, required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if not 0 <= args.alpha <= 1:
        raise SystemExit(f"alpha must lie in [0, 1], got {args.alpha}")
    if args.threads:
        torch.set_num_threads(args.threads)
    started = time.time()
    a, b = load_bnwt(os.path.join(args.a, "weights.bin")), load_bnwt(os.path.join(args.b, "weights.bin"))
    if a.keys() != b.keys() or any(a[k].shape != b[k].shape for k in a):
        raise SystemExit("the two runs do not share names and shapes: they are not of one lineage")
    mixed = {k: (args.alpha * a[k] + (1 - args.alpha) * b[k]).astype("float32") for k in b}

    training = json.load(open(os.path.join(args.b, "training.json")))
    training_a = json.load(open(os.path.join(args.a, "training.json")))
    # Class vectors: the news head is averaged like the weights; the other domains exist in B only.
    classes = training["classVectors"]
    if "news" in classes and "news" in training_a["classVectors"]:
        va = torch.tensor(training_a["classVectors"]["news"]["vectors"])
        vb = torch.tensor(classes["news"]["vectors"])
        n = len(classes["news"]["labels"])
        classes["news"]["vectors"] = F.normalize((args.alpha * va + (1 - args.alpha) * vb).view(n, -1), dim=-1).flatten().tolist()

    cfg = dict(training["config"])
    model = BanerTransformer(cfg)
    model.load_named(mixed)
    hp = training["hyperParameters"]
    labels = classes["news"]["labels"]
    types = dict(labels=labels, typing="typeHead", typeHead=classes["news"]["vectors"], prototypes=news_prototypes(model, args.data, labels, hp).flatten().tolist())

    os.makedirs(args.out, exist_ok=True)
    save_bnwt(os.path.join(args.out, "weights.bin"), mixed)
    json.dump(types, open(os.path.join(args.out, "types.json"), "w"))
    training["soup"] = dict(a=os.path.abspath(args.a), b=os.path.abspath(args.b), alpha=args.alpha, note="W = alpha * A + (1 - alpha) * B, no further training")
    training["classVectors"] = classes
    json.dump(training, open(os.path.join(args.out, "training.json"), "w"))
    print(f"soup alpha {args.alpha}: {args.out} in {time.time() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
