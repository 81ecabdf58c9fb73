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
    if len(ids) <= MAX_PIECES:
        return [dict(ids=ids, ws=ws, flags=flags, spans=r["sp"], domain=domain)]
    out, start = [], 0
    while start < n:
        end = start
        while end < n and (ws[end + 1] if end + 1 < n else len(ids)) - ws[start] <= MAX_PIECES:
            end += 1
        end = max(end, start + 1)
        lo, hi = ws[start], ws[end] if end < n else len(ids)
        spans = [[s - start, e - start, t] for s, e, t in r["sp"] if s >= start and e <= end]
        out.append(dict(ids=ids[lo:hi][:MAX_PIECES], ws=[w - lo for w in ws[start:end]], flags=flags[start:end], spans=spans, domain=domain))
        start = end
    return out


def tag_ids(n, spans):
    tags = np.zeros(n, dtype=np.int64)
    for s, e, _ in spans:
        if e - s == 1:
            tags[s] = TAG_S
        else:
            tags[s], tags[s + 1 : e - 1], tags[e - 1] = TAG_B, TAG_I, TAG_E
    return tags


def collate(rows):
    B = len(rows)
    S = max(len(r["ids"]) for r in rows) + 2
    T = max(len(r["ws"]) for r in rows)
    Fl = rows[0]["flags"].shape[1]
    ids = np.full((B, S), PAD, dtype=np.int64)
    piece_mask = np.zeros((B, S), dtype=np.float32)
    word_piece = np.zeros((B, T), dtype=np.int64)
    word_mask = np.zeros((B, T), dtype=np.float32)
    flags = np.zeros((B, T, Fl), dtype=np.float32)
    tags = np.zeros((B, T), dtype=np.int64)
    for b, r in enumerate(rows):
        n, p = len(r["ws"]), len(r["ids"])
        ids[b, 0], ids[b, 1 : p + 1], ids[b, p + 1] = CLS, r["ids"], SEP
        piece_mask[b, : p + 2] = 1
        word_piece[b, :n] = np.asarray(r["ws"]) + 1
        word_mask[b, :n] = 1
        flags[b, :n] = r["flags"]
        tags[b, :n] = tag_ids(n, r["spans"])
    return dict(
        ids=torch.from_numpy(ids),
        piece_mask=torch.from_numpy(piece_mask),
        word_piece=torch.from_numpy(word_piece),
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
