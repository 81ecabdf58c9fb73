"""Viterbi over valid BIOES transitions (the same rule as src/core/spans/bioes.ts) and span F1."""
import numpy as np

ALLOWED = np.array(
    [[1, 1, 0, 0, 1], [0, 0, 1, 1, 0], [0, 0, 1, 1, 0], [1, 1, 0, 0, 1], [1, 1, 0, 0, 1]], dtype=bool
)
CAN_START = np.array([1, 1, 0, 0, 1], dtype=bool)
CAN_END = np.array([1, 0, 0, 1, 1], dtype=bool)
NEG = -1e30


def decode_spans(lp):
    """lp [T, 5] log-probabilities -> [(start, end, confidence)]."""
    T = lp.shape[0]
    if T == 0:
        return []
    trans = np.where(ALLOWED, 0.0, NEG)
    score = np.where(CAN_START, lp[0], NEG)
    back = np.zeros((T, 5), dtype=np.int64)
    for t in range(1, T):
        cand = score[:, None] + trans
        back[t] = cand.argmax(0)
        score = cand.max(0) + lp[t]
    last = int(np.where(CAN_END, score, NEG).argmax())
    path = [last]
    for t in range(T - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    path.reverse()
    spans, open_, logsum = [], -1, 0.0
    for t, tag in enumerate(path):
        v = float(lp[t, tag])
        if tag == 4:
            spans.append((t, t + 1, float(np.exp(v))))
        elif tag == 1:
            open_, logsum = t, v
        elif tag == 2:
            logsum += v
        elif tag == 3 and open_ >= 0:
            logsum += v
            spans.append((open_, t + 1, float(np.exp(logsum / (t + 1 - open_)))))
            open_ = -1
    return spans


def f1(gold, pred):
    """gold, pred: sets of hashable spans."""
    tp = len(gold & pred)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return 0.0 if p + r == 0 else 2 * p * r / (p + r)
