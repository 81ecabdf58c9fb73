"""Training losses: type-agnostic BIOES tags, cosine typing per domain, BANER's boundary-aware contrastive loss."""
import numpy as np
import torch
import torch.nn.functional as F

SHIFTED_NEGATIVES = 4


def tag_loss(logits, tags, word_mask):
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tags.reshape(-1), reduction="none")
    return (ce * word_mask.reshape(-1)).sum() / word_mask.sum().clamp(min=1)


def boundary_contrastive(h, rows, tau, random_negatives, rng):
    """h [B, T, D] word states of an intermediate layer. For each gold entity [s, e): anchor = mean of its
    states; positives = h_s and h_(e-1); negatives = boundary-shifted words s-1, s-2, e, e+1 and a few random
    non-entity words; loss = mean softplus((a.n - a.p) / tau) over valid pairs (all vectors L2-normalised)."""
    K = SHIFTED_NEGATIVES + random_negatives
    ents, negs, valid = [], [], []
    for b, r in enumerate(rows):
        n = len(r["ws"])
        inside = np.zeros(n, dtype=bool)
        for s, e, _ in r["spans"]:
            inside[s:e] = True
        for s, e, _ in r["spans"]:
            row, ok = [], []
            for t in (s - 1, s - 2, e, e + 1):
                row.append(t if 0 <= t < n else 0)
                ok.append(1.0 if 0 <= t < n else 0.0)
            outside = [t for t in range(n) if not inside[t] and (t < s - 2 or t > e + 1)]
            for _ in range(random_negatives):
                if outside:
                    t = outside.pop(rng.randrange(len(outside)))
                    row.append(t)
                    ok.append(1.0)
                else:
                    row.append(0)
                    ok.append(0.0)
            ents.append((b, s, e))
            negs.append(row)
            valid.append(ok)
    if not ents:
        return h.sum() * 0
    b = torch.tensor([x[0] for x in ents])
    s = torch.tensor([x[1] for x in ents])
    e = torch.tensor([x[2] for x in ents])
    cums = torch.cat([h.new_zeros(h.shape[0], 1, h.shape[2]), h.cumsum(1)], 1)
    anchor = F.normalize((cums[b, e] - cums[b, s]) / (e - s).unsqueeze(-1).float(), dim=-1)  # [M, D]
    z = F.normalize(h, dim=-1)
    pos = torch.stack([z[b, s], z[b, e - 1]], 1)  # [M, 2, D]
    neg = z[b.unsqueeze(1).expand(-1, K), torch.tensor(negs)]  # [M, K, D]
    s_pos = (pos * anchor.unsqueeze(1)).sum(-1)  # [M, 2]
    s_neg = (neg * anchor.unsqueeze(1)).sum(-1)  # [M, K]
    ok = torch.tensor(valid).unsqueeze(1)  # [M, 1, K]
    diff = (s_neg.unsqueeze(1) - s_pos.unsqueeze(2)) / tau  # [M, 2, K]
    return (F.softplus(diff) * ok).sum() / (2 * ok.sum()).clamp(min=1)


def type_loss(emb, labels, class_vectors, scale):
    """emb [M, P] unit rows; labels [M] class indices; class_vectors [C, P] (one domain's)."""
    logits = scale * emb @ F.normalize(class_vectors, dim=-1).T
    return F.cross_entropy(logits, labels)
