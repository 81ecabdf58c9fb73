"""The transformer model in PyTorch, for training only (the editor runs the ONNX graph that
src/core/transformer/exportTransformerOnnx.ts builds from the same weights, op for op).

  pieces [B, S] -> BERT encoder (L layers, H wide) -> states of each word's first piece [B, T, H]
  heads:  u = GELU([h | word flags] W_in)            [B, T, D]
          z = LN(u + GELU(shift3(u) W_conv))           [B, T, D]   (one kernel-3 convolution over words)
          tags = z W_tags                              [B, T, 5]   (type-agnostic BIOES, stage 1)
          g = [h | z]; span = L2norm([g_s | g_e | mean g] W_span)   [M, P]   (stage 2: prototypes)
LoRA (W x + scale * (x A) B) can be attached to any named linear map; names follow the weight names.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

ATTENTION_PROJECTIONS = ("q", "k", "v", "o")
FFN_PROJECTIONS = ("ffn1", "ffn2")


class Lora:
    """Low-rank deltas by weight name ("l5.q.W"): tensors A [in, r], B [r, out]."""

    def __init__(self, rank, alpha):
        self.rank, self.scale, self.modules = rank, alpha / rank, {}

    def add(self, name, in_dim, out_dim, device=None, generator=None):
        bound = 1 / math.sqrt(in_dim)
        A = (torch.rand(in_dim, self.rank, generator=generator) * 2 - 1) * bound
        self.modules[name] = (nn.Parameter(A), nn.Parameter(torch.zeros(self.rank, out_dim)))

    def parameters(self):
        return [p for pair in self.modules.values() for p in pair]

    def delta(self, name, x):
        m = self.modules.get(name)
        return None if m is None else (x @ m[0]) @ m[1] * self.scale


class Linear(nn.Module):
    """x @ W + b with W stored [in, out] (the ONNX and TF.js layout) and an optional LoRA delta."""

    def __init__(self, in_dim, out_dim, name):
        super().__init__()
        self.name = name + ".W"
        self.W = nn.Parameter(torch.empty(in_dim, out_dim))
        self.b = nn.Parameter(torch.zeros(out_dim))
        nn.init.xavier_uniform_(self.W)

    def forward(self, x, lora=None):
        y = x @ self.W + self.b
        if lora is not None:
            d = lora.delta(self.name, x)
            if d is not None:
                y = y + d
        return y


class LayerNorm(nn.Module):
    def __init__(self, dims, eps):
        super().__init__()
        self.g, self.b, self.eps = nn.Parameter(torch.ones(dims)), nn.Parameter(torch.zeros(dims)), eps

    def forward(self, x):
        return F.layer_norm(x, (x.shape[-1],), self.g, self.b, self.eps)


class Layer(nn.Module):
    def __init__(self, i, H, Fdim, heads, eps, dropout):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        for p in ATTENTION_PROJECTIONS:
            setattr(self, p, Linear(H, H, f"l{i}.{p}"))
        self.ffn1, self.ffn2 = Linear(H, Fdim, f"l{i}.ffn1"), Linear(Fdim, H, f"l{i}.ffn2")
        self.ln1, self.ln2 = LayerNorm(H, eps), LayerNorm(H, eps)

    def forward(self, x, bias, lora=None):
        # x [B, S, H]; bias [B, 1, 1, S]: 0 for pieces, -1e4 for padding
        B, S, H = x.shape
        d = H // self.heads
        split = lambda t: t.view(B, S, self.heads, d).transpose(1, 2)  # [B, heads, S, d]
        q, k, v = (split(getattr(self, p)(x, lora)) for p in ("q", "k", "v"))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d) + bias, -1)
        att = F.dropout(att, self.dropout, self.training)
        ctx = (att @ v).transpose(1, 2).reshape(B, S, H)
        x = self.ln1(x + F.dropout(self.o(ctx, lora), self.dropout, self.training))
        f = self.ffn2(F.gelu(self.ffn1(x, lora)), lora)
        return self.ln2(x + F.dropout(f, self.dropout, self.training))


class BanerTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        H, V, P = cfg["hiddenDims"], cfg["vocabSize"], cfg["maxPositions"]
        self.word = nn.Parameter(torch.zeros(V, H))
        self.pos = nn.Parameter(torch.zeros(P, H))
        self.token_type = nn.Parameter(torch.zeros(H))
        self.emb_ln = LayerNorm(H, cfg["layerNormEps"])
        self.layers = nn.ModuleList(Layer(i, H, cfg["ffnDims"], cfg["heads"], cfg["layerNormEps"], cfg["dropout"]) for i in range(cfg["layers"]))
        D, Fl = cfg["headDims"], cfg["wordFlags"]
        self.input = Linear(H + Fl, D, "input")
        self.conv0 = Linear(3 * D, D, "conv0")
        self.conv0_ln = LayerNorm(D, 1e-5)
        self.tags = Linear(D, cfg["spanTags"], "tags")
        self.span = Linear(3 * (H + D), cfg["spanDims"], "span")

    # ---- weights in the shared names -------------------------------------------------------------
    def named_weights(self):
        out = {"emb.word": self.word, "emb.pos": self.pos, "emb.type": self.token_type, "emb.ln.g": self.emb_ln.g, "emb.ln.b": self.emb_ln.b}
        for i, layer in enumerate(self.layers):
            for p in ATTENTION_PROJECTIONS + FFN_PROJECTIONS:
                lin = getattr(layer, p)
                out[f"l{i}.{p}.W"], out[f"l{i}.{p}.b"] = lin.W, lin.b
            for n in ("ln1", "ln2"):
                out[f"l{i}.{n}.g"], out[f"l{i}.{n}.b"] = getattr(layer, n).g, getattr(layer, n).b
        for name in ("input", "conv0", "tags", "span"):
            lin = getattr(self, name)
            out[f"{name}.W"], out[f"{name}.b"] = lin.W, lin.b
        out["conv0.ln.g"], out["conv0.ln.b"] = self.conv0_ln.g, self.conv0_ln.b
        return out

    def load_named(self, weights, strict_heads=False):
        own = self.named_weights()
        missing = []
        with torch.no_grad():
            for name, param in own.items():
                if name in weights:
                    value = torch.as_tensor(weights[name])
                    if value.shape != param.shape:
                        raise ValueError(f"{name}: {tuple(value.shape)} vs model {tuple(param.shape)}")
                    param.copy_(value)
                else:
                    missing.append(name)
        if strict_heads and missing:
            raise ValueError(f"weights lack {missing}")
        return missing

    def linear_shapes(self):
        """name -> (in, out) of every linear map LoRA may target."""
        return {k: tuple(v.shape) for k, v in self.named_weights().items() if k.endswith(".W") and v.dim() == 2 and not k.startswith("emb.")}

    # ---- forward ---------------------------------------------------------------------------------
    def encode(self, ids, piece_mask, lora=None, keep_layers=()):
        """ids [B, S] (with [CLS]/[SEP]), piece_mask [B, S] -> final states [B, S, H], {layer: states}."""
        S = ids.shape[1]
        x = self.word[ids] + self.pos[:S].unsqueeze(0) + self.token_type
        x = F.dropout(self.emb_ln(x), self.cfg["dropout"], self.training)
        bias = (1.0 - piece_mask)[:, None, None, :] * -1e4
        kept = {}
        for i, layer in enumerate(self.layers):
            x = layer(x, bias, lora)
            if i in keep_layers:
                kept[i] = x
        return x, kept

    def heads(self, h, flags, word_mask, lora=None):
        """h [B, T, H] word states, flags [B, T, Fl], word_mask [B, T] -> tag logits [B, T, 5], g [B, T, H + D]."""
        m = word_mask.unsqueeze(-1)
        drop = lambda t: F.dropout(t, self.cfg["headDropout"], self.training)
        u = F.gelu(self.input(drop(torch.cat([h, flags], -1)), lora)) * m
        shifted = torch.cat([F.pad(u, (0, 0, 1, 0))[:, :-1], u, F.pad(u, (0, 0, 0, 1))[:, 1:]], -1)
        z = self.conv0_ln(u + drop(F.gelu(self.conv0(shifted, lora)))) * m
        return self.tags(drop(z), lora), torch.cat([h, z], -1) * m

    def span_embeddings(self, g, spans, lora=None):
        """g [B, T, G]; spans: list of (b, start, end) -> unit-length [M, P]."""
        if not spans:
            return g.new_zeros(0, self.cfg["spanDims"])
        b = torch.tensor([s[0] for s in spans])
        s = torch.tensor([s[1] for s in spans])
        e = torch.tensor([s[2] for s in spans])
        cums = torch.cat([g.new_zeros(g.shape[0], 1, g.shape[2]), g.cumsum(1)], 1)
        mean = (cums[b, e] - cums[b, s]) / (e - s).unsqueeze(-1).float()
        feats = torch.cat([g[b, s], g[b, e - 1], mean], -1)
        return F.normalize(self.span(feats, lora), dim=-1, eps=1e-6)

    def encode_from(self, x, piece_mask, first, lora=None, keep_layers=()):
        """Layers first.. of the encoder on states x [B, S, H] that leave layer first-1."""
        bias = (1.0 - piece_mask)[:, None, None, :] * -1e4
        kept = {}
        for i in range(first, len(self.layers)):
            x = self.layers[i](x, bias, lora)
            if i in keep_layers:
                kept[i] = x
        return x, kept

    def forward(self, batch, lora=None, keep_layers=(), lower=None, first=0):
        """lower: cached states leaving layer first-1 (the frozen part), instead of running it again."""
        if lower is None:
            hp, kept = self.encode(batch["ids"], batch["piece_mask"], lora, keep_layers)
        else:
            hp, kept = self.encode_from(lower, batch["piece_mask"], first, lora, keep_layers)
        # Each sentence's words: first-piece rows of the flattened [U * S] states (a unit may pack several sentences).
        rows = batch["word_rows"]
        words = lambda t: t.reshape(-1, t.shape[-1])[rows.reshape(-1)].view(*rows.shape, t.shape[-1])
        h = words(hp)
        kept_words = {i: words(t) for i, t in kept.items()}
        tags, g = self.heads(h, batch["flags"], batch["word_mask"], lora)
        return tags, g, kept_words


def new_model(cfg, pretrained):
    model = BanerTransformer(cfg)
    missing = model.load_named(pretrained)
    heads = {"input.W", "input.b", "conv0.W", "conv0.b", "conv0.ln.g", "conv0.ln.b", "tags.W", "tags.b", "span.W", "span.b"}
    unexpected = [m for m in missing if m not in heads]
    if unexpected:
        raise ValueError(f"pretrained weights lack {unexpected}")
    return model
