"""Trains BANER's transformer model: the pretrained encoder fine-tuned with the type-agnostic BIOES head
(stage 1), cosine typing of span embeddings per source domain (stage 2) and the boundary-aware contrastive
loss on an intermediate layer. Called by `npm run train:transformer` (scripts/transformer/build.ts).

  python train.py --pretrained FILE --data DIR --out DIR [--exclude music] [--set epochs=3] ...
Writes DIR/weights.bin (BNWT, float32, the shared names), DIR/types.json, DIR/training.json.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from data import batches, collate, members, pack_documents, read_rows
from decode import decode_spans, f1
from losses import boundary_contrastive, tag_loss, type_loss
from model import new_model
from weights_io import load_bnwt, load_pretrained, save_bnwt

DOMAINS = ["news", "politics", "science", "music", "literature", "ai"]

DEFAULTS = dict(
    seed=13,
    epochs=3,
    encoderLearningRate=5e-5,
    headLearningRate=1e-3,
    weightDecay=0.01,
    warmupFraction=0.06,
    batchCells=4096,
    dropout=0.1,
    headDropout=0.2,
    headDims=256,
    spanDims=256,
    typeScale=16.0,
    typeLossWeight=1.0,
    contrastiveWeight=0.1,
    contrastiveLayer=-2,  # counted from the top: -2 = the second-to-last layer
    contrastiveTau=0.2,
    randomNegatives=2,
    domainRepeat=4,  # CrossNER train splits are small (100-200 sentences): each epoch sees them this often
    limit=0,
    newsLimit=0,  # news sentences per epoch (0: all); continued multi-domain training keeps a sample against forgetting
    devLimit=0,
    # Document context: news sentences (the one source with documents) packed with their neighbours into encoder
    # inputs of at most this many pieces (0: each sentence alone); packSingleShare of packs hold one sentence only.
    packPieces=0,
    packSingleShare=0.0,
    # 1: CrossNER train sentences are packed too, in file order (their neighbours are unrelated sentences), so the
    # model learns to ignore context that does not help.
    packUnrelated=0,
)

# The sources whose files mark documents (CoNLL's -DOCSTART-); CrossNER and WNUT-17 sentences stand alone.
DOCUMENT_DOMAINS = ("news",)


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrained", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--exclude", default="", help="source domains left out (comma-separated)")
    ap.add_argument("--init", default="", help="continue from this run folder (its weights.bin and class vectors)")
    ap.add_argument("--domains", default="", help="source domains to train on (default: all not excluded)")
    ap.add_argument("--set", action="append", default=[], help="hyper-parameter=value")
    ap.add_argument("--threads", type=int, default=0)
    return ap.parse_args()


def load_types(data):
    return json.load(open(os.path.join(data, "meta.json")))["types"]


def evaluate(model, rows, domain_classes, hp, limit=0):
    """Typed and type-agnostic F1 of one dev split (typing by the domain's class vectors); a document domain's
    sentences are packed with their neighbours as at inference when packPieces is on."""
    model.eval()
    rows = rows[:limit] if limit else rows
    units = pack_documents(rows, hp["packPieces"]) if hp["packPieces"] and rows and rows[0]["domain"] in DOCUMENT_DOMAINS else rows
    gold_typed, pred_typed, gold_spans, pred_spans = set(), set(), set(), set()
    with torch.no_grad():
        for idx in batches(units, hp["batchCells"] * 2, shuffle=False):
            batch = collate([units[i] for i in idx])
            tags, g, _ = model(batch)
            lp = F.log_softmax(tags, -1).numpy()
            detected = []
            for k, r in enumerate(batch["rows"]):
                i = id(r)
                n = len(r["ws"])
                for s, e, t in r["spans"]:
                    gold_typed.add((i, s, e, t))
                    gold_spans.add((i, s, e))
                for s, e, _c in decode_spans(lp[k, :n]):
                    detected.append((k, s, e))
                    pred_spans.add((i, s, e))
            if detected:
                emb = model.span_embeddings(g, detected)
                classes = F.normalize(domain_classes, dim=-1)
                best = (emb @ classes.T).argmax(-1).tolist()
                for (k, s, e), t in zip(detected, best):
                    pred_typed.add((id(batch["rows"][k]), s, e, t))
    model.train()
    return {"f1": 100 * f1(gold_typed, pred_typed), "span_f1": 100 * f1(gold_spans, pred_spans)}


def main():
    args = parse()
    hp = dict(DEFAULTS)
    for kv in args.set:
        k, v = kv.split("=", 1)
        if k not in hp:
            raise SystemExit(f"unknown hyper-parameter {k}")
        hp[k] = type(hp[k])(v)
    if args.threads:
        torch.set_num_threads(args.threads)
    random.seed(hp["seed"])
    np.random.seed(hp["seed"])
    torch.manual_seed(hp["seed"])
    rng = random.Random(hp["seed"])
    excluded = [d for d in args.exclude.split(",") if d]
    wanted = [d for d in args.domains.split(",") if d] or DOMAINS
    domains = [d for d in DOMAINS if d in wanted and d not in excluded]
    types = load_types(args.data)

    pretrained, layers = load_pretrained(args.pretrained)
    cfg = dict(
        family="transformer",
        vocabSize=int(pretrained["emb.word"].shape[0]),
        hiddenDims=int(pretrained["emb.word"].shape[1]),
        maxPositions=int(pretrained["emb.pos"].shape[0]),
        layers=layers,
        heads=12,
        ffnDims=int(pretrained["l0.ffn1.W"].shape[1]),
        layerNormEps=1e-12,
        dropout=hp["dropout"],
        headDropout=hp["headDropout"],
        headDims=hp["headDims"],
        wordFlags=14,
        spanTags=5,
        spanDims=hp["spanDims"],
        typeScale=hp["typeScale"],
    )
    model = new_model(cfg, pretrained)
    initial_classes = {}
    if args.init:
        model.load_named(load_bnwt(os.path.join(args.init, "weights.bin")), strict_heads=True)
        initial_classes = json.load(open(os.path.join(args.init, "training.json")))["classVectors"]
    contrastive_layer = hp["contrastiveLayer"] % layers

    # Class vectors per domain (the base model's type head for news is the one shipped as its types).
    class_vectors = torch.nn.ParameterDict(
        {
            d: torch.nn.Parameter(torch.tensor(initial_classes[d]["vectors"]).view(len(types[d]), -1) if d in initial_classes else torch.randn(len(types[d]), cfg["spanDims"]) * 0.1)
            for d in domains
        }
    )

    train = []
    documents = []  # sentences of document domains, in document order, re-packed every epoch
    for d in domains:
        rows = read_rows(os.path.join(args.data, f"{d}-train.jsonl"), d, hp["limit"])
        packed = hp["packPieces"] > 0 and (d in DOCUMENT_DOMAINS or hp["packUnrelated"] > 0)
        if d == "news" and hp["newsLimit"]:
            if packed:
                # A sample of whole documents (sentences keep their neighbours), in file order.
                docs = sorted({r["doc"] for r in rows})
                random.Random(hp["seed"]).shuffle(docs)
                chosen, count = set(), 0
                for doc in docs:
                    if count >= hp["newsLimit"]:
                        break
                    chosen.add(doc)
                    count += sum(1 for r in rows if r["doc"] == doc)
                rows = [r for r in rows if r["doc"] in chosen]
            else:
                random.Random(hp["seed"]).shuffle(rows)
                rows = rows[: hp["newsLimit"]]
        if packed:
            documents.extend(rows * (1 if d == "news" else hp["domainRepeat"]))
        else:
            train.extend(rows * (1 if d == "news" else hp["domainRepeat"]))
    alone = train
    pack = lambda r: pack_documents(documents, hp["packPieces"], hp["packSingleShare"], r) if documents else []
    train = alone + pack(random.Random(0))
    dev = {d: read_rows(os.path.join(args.data, f"{d}-dev.jsonl"), d)[: hp["devLimit"] or None] for d in domains}
    print(f"train units {len(train)}, sentences {sum(len(members(u)) for u in train)} ({', '.join(domains)}); layers {layers}; contrastive layer {contrastive_layer}", flush=True)

    encoder_params = [p for n, p in model.named_parameters() if not any(n.startswith(h) for h in ("input", "conv0", "tags", "span"))]
    head_params = [p for n, p in model.named_parameters() if any(n.startswith(h) for h in ("input", "conv0", "tags", "span"))]
    optimizer = torch.optim.AdamW(
        [
            {"params": encoder_params, "lr": hp["encoderLearningRate"], "weight_decay": hp["weightDecay"]},
            {"params": head_params + list(class_vectors.parameters()), "lr": hp["headLearningRate"], "weight_decay": 0.0},
        ]
    )
    steps_per_epoch = len(batches(train, hp["batchCells"], shuffle=True, rng=random.Random(0)))
    total = steps_per_epoch * hp["epochs"]
    warmup = max(1, int(total * hp["warmupFraction"]))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (total - s) / max(1, total - warmup)))

    history, best, best_state = [], -1.0, None
    started = time.time()
    step = 0
    for epoch in range(1, hp["epochs"] + 1):
        t0 = time.time()
        if documents:
            train = alone + pack(rng)
        sums = dict(tag=0.0, type=0.0, contrastive=0.0, n=0)
        pieces = 0
        for idx in batches(train, hp["batchCells"], shuffle=True, rng=rng):
            batch = collate([train[i] for i in idx])
            rows = batch["rows"]
            pieces += int(batch["piece_mask"].sum())
            tags, g, kept = model(batch, keep_layers=(contrastive_layer,) if hp["contrastiveWeight"] > 0 else ())
            loss_tag = tag_loss(tags, batch["tags"], batch["word_mask"])
            loss = loss_tag
            # Typing: gold spans of each domain against that domain's class vectors.
            loss_type = torch.zeros(())
            by_domain = {}
            for b, r in enumerate(rows):
                for s, e, t in r["spans"]:
                    by_domain.setdefault(r["domain"], []).append((b, s, e, t))
            for d, spans in by_domain.items():
                emb = model.span_embeddings(g, [(b, s, e) for b, s, e, _ in spans])
                labels = torch.tensor([t for *_, t in spans])
                loss_type = loss_type + type_loss(emb, labels, class_vectors[d], hp["typeScale"]) * len(spans)
            n_spans = sum(len(v) for v in by_domain.values())
            if n_spans:
                loss_type = loss_type / n_spans
                loss = loss + hp["typeLossWeight"] * loss_type
            loss_con = torch.zeros(())
            if hp["contrastiveWeight"] > 0:
                loss_con = boundary_contrastive(kept[contrastive_layer], rows, hp["contrastiveTau"], hp["randomNegatives"], rng)
                loss = loss + hp["contrastiveWeight"] * loss_con
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(model.parameters()) + list(class_vectors.parameters()), 1.0)
            optimizer.step()
            schedule.step()
            step += 1
            sums["tag"] += float(loss_tag)
            sums["type"] += float(loss_type)
            sums["contrastive"] += float(loss_con)
            sums["n"] += 1
            if step % 50 == 0:
                el = time.time() - t0
                print(f"  epoch {epoch} step {step}/{total} tag {sums['tag'] / sums['n']:.4f} type {sums['type'] / sums['n']:.4f} con {sums['contrastive'] / sums['n']:.4f} {pieces / el:.0f} pieces/s", flush=True)
        train_seconds = time.time() - t0
        scores = {d: evaluate(model, dev[d], class_vectors[d].detach(), hp) for d in domains}
        crossner = [scores[d]["f1"] for d in domains if d != "news"]
        selection = (scores["news"]["f1"] + (sum(crossner) / len(crossner) if crossner else scores["news"]["f1"])) / 2 if "news" in scores else sum(crossner) / len(crossner)
        entry = dict(epoch=epoch, trainSeconds=round(train_seconds, 1), piecesPerSecond=round(pieces / train_seconds), loss={k: sums[k] / max(1, sums["n"]) for k in ("tag", "type", "contrastive")}, dev=scores, selection=selection)
        history.append(entry)
        print(json.dumps(entry), flush=True)
        if selection > best:
            best = selection
            best_state = {k: v.detach().clone() for k, v in model.named_weights().items()}
            best_classes = {d: v.detach().clone() for d, v in class_vectors.items()}

    os.makedirs(args.out, exist_ok=True)
    save_bnwt(os.path.join(args.out, "weights.bin"), {k: v.numpy() for k, v in best_state.items()})
    model.load_named({k: v.numpy() for k, v in best_state.items()})
    # Prototypes of the default (news) types from the train split, beside the trained type head.
    types_out = {}
    if "news" in best_classes:
        types_out = dict(labels=types["news"], typing="typeHead", typeHead=F.normalize(best_classes["news"], dim=-1).flatten().tolist(), prototypes=news_prototypes(model, args.data, types["news"], hp).flatten().tolist())
    json.dump(types_out, open(os.path.join(args.out, "types.json"), "w"))
    json.dump(
        dict(config=cfg, hyperParameters=hp, excluded=excluded, domains=domains, init=args.init, history=history, bestSelection=best, seconds=round(time.time() - started), classVectors={d: dict(labels=types[d], vectors=F.normalize(v, dim=-1).flatten().tolist()) for d, v in best_classes.items()}),
        open(os.path.join(args.out, "training.json"), "w"),
    )
    print(f"done in {time.time() - started:.0f} s; best selection {best:.2f}", flush=True)


def news_prototypes(model, data, labels, hp):
    rows = read_rows(os.path.join(data, "news-train.jsonl"), "news")
    sums = torch.zeros(len(labels), model.cfg["spanDims"])
    # Encoded as at inference: with their neighbours when the model was trained with document context.
    units = pack_documents(rows, hp["packPieces"]) if hp["packPieces"] else rows
    model.eval()
    with torch.no_grad():
        for idx in batches(units, hp["batchCells"] * 2, shuffle=False):
            batch = collate([units[i] for i in idx])
            _, g, _ = model(batch)
            spans = [(k, s, e, t) for k, r in enumerate(batch["rows"]) for s, e, t in r["spans"]]
            if spans:
                emb = model.span_embeddings(g, [(k, s, e) for k, s, e, _ in spans])
                sums.index_add_(0, torch.tensor([t for *_, t in spans]), emb)
    return F.normalize(sums, dim=-1)


if __name__ == "__main__":
    main()
