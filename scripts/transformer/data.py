"""Rows written by prepare-data.ts -> padded batches for model.py."""
import json
import random

import numpy as np
import torch

CLS, SEP, PAD = 101, 102, 0
MAX_PIECES = 254  # + [CLS] and [SEP] = 256 positions per window
TAG_O, TAG_B, TAG_I, TAG_E, TAG_S = range(5)


def read_rows(path, domain, limit=0):
    rows = []
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            rows.extend(_windows(r, domain))
            if limit and len(rows) >= limit:
                break
    return rows


def _windows(r, domain):
    """Sentences over MAX_PIECES pieces are cut at word boundaries (spans crossing a cut are dropped)."""
    ids, ws, n = r["ids"], r["ws"], len(r["ws"])
    flags = np.asarray(r["fl"], dtype=np.float32).reshape(n, -1)
    doc = r.get("doc", -1)
    if len(ids) <= MAX_PIECES:
        return [dict(ids=ids, ws=ws, flags=flags, spans=r["sp"], domain=domain, doc=doc)]
    out, start = [], 0
    while start < n:
        end = start
        while end < n and (ws[end + 1] if end + 1 < n else len(ids)) - ws[start] <= MAX_PIECES:
            end += 1
        end = max(end, start + 1)
        lo, hi = ws[start], ws[end] if end < n else len(ids)
        spans = [[s - start, e - start, t] for s, e, t in r["sp"] if s >= start and e <= end]
        # A cut sentence's windows are documents of their own: packing them together would repeat words.
        out.append(dict(ids=ids[lo:hi][:MAX_PIECES], ws=[w - lo for w in ws[start:end]], flags=flags[start:end], spans=spans, domain=domain, doc=None))
        start = end
    return out


def pack_documents(rows, budget=MAX_PIECES, single_share=0.0, rng=None):
    """Consecutive sentences of one document packed into one encoder input of at most `budget` pieces, so that
    each sentence is encoded with its neighbours as context (its words keep their own rows for the heads).
    With probability single_share a pack holds one sentence only, so the model also learns sentences without
    context. Rows without a document (doc None or -1) stay alone. Returns units for batches()/collate()."""
    units, current, used = [], [], 0

    def flush():
        nonlocal current, used
        if current:
            units.append(current[0] if len(current) == 1 else dict(ids=[i for r in current for i in r["ids"]], members=current))
        current, used = [], 0

    for r in rows:
        alone = r.get("doc") in (None, -1)
        same = current and current[-1].get("doc") == r.get("doc") and current[-1]["domain"] == r["domain"]
        if alone or not same or used + len(r["ids"]) > budget:
            flush()
        current.append(r)
        used += len(r["ids"])
        if alone or (single_share > 0 and len(current) == 1 and rng.random() < single_share):
            flush()
    flush()
    return units


def members(unit):
    """The sentence rows of a unit: a packed document window, or one sentence."""
    return unit.get("members") or [unit]


def tag_ids(n, spans):
    tags = np.zeros(n, dtype=np.int64)
    for s, e, _ in spans:
        if e - s == 1:
            tags[s] = TAG_S
        else:
            tags[s], tags[s + 1 : e - 1], tags[e - 1] = TAG_B, TAG_I, TAG_E
    return tags


def collate(units):
    """Units (sentences or packed document windows) -> encoder inputs [U, S] and per-sentence head inputs [N, T]:
    word_rows indexes each word's first piece in the flattened [U * S] states, as the ONNX graph does."""
    U = len(units)
    S = max(len(u["ids"]) for u in units) + 2
    rows = [r for u in units for r in members(u)]
    N = len(rows)
    T = max(len(r["ws"]) for r in rows)
    Fl = rows[0]["flags"].shape[1]
    ids = np.full((U, S), PAD, dtype=np.int64)
    piece_mask = np.zeros((U, S), dtype=np.float32)
    word_rows = np.zeros((N, T), dtype=np.int64)
    word_mask = np.zeros((N, T), dtype=np.float32)
    flags = np.zeros((N, T, Fl), dtype=np.float32)
    tags = np.zeros((N, T), dtype=np.int64)
    b = 0
    for u, unit in enumerate(units):
        p = len(unit["ids"])
        ids[u, 0], ids[u, 1 : p + 1], ids[u, p + 1] = CLS, unit["ids"], SEP
        piece_mask[u, : p + 2] = 1
        offset = 1
        for r in members(unit):
            n = len(r["ws"])
            word_rows[b, :n] = u * S + offset + np.asarray(r["ws"])
            word_mask[b, :n] = 1
            flags[b, :n] = r["flags"]
            tags[b, :n] = tag_ids(n, r["spans"])
            offset += len(r["ids"])
            b += 1
    return dict(
        ids=torch.from_numpy(ids),
        piece_mask=torch.from_numpy(piece_mask),
        word_rows=torch.from_numpy(word_rows),
        word_mask=torch.from_numpy(word_mask),
        flags=torch.from_numpy(flags),
        tags=torch.from_numpy(tags),
        rows=rows,
    )


def batches(rows, max_cells, shuffle, rng=None):
    """Length-sorted batches of at most max_cells padded pieces; shuffled in order when training."""
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]["ids"]))
    if shuffle:
        # sort within random chunks so batches differ between epochs but stay length-homogeneous
        rng.shuffle(order)
        chunks = [sorted(order[i : i + 512], key=lambda i: len(rows[i]["ids"])) for i in range(0, len(order), 512)]
        order = [i for c in chunks for i in c]
    out, cur, width = [], [], 0
    for i in order:
        w = max(width, len(rows[i]["ids"]) + 2)
        if cur and w * (len(cur) + 1) > max_cells:
            out.append(cur)
            cur, w = [], len(rows[i]["ids"]) + 2
        cur.append(i)
        width = w
    if cur:
        out.append(cur)
    if shuffle:
        rng.shuffle(out)
    return out
