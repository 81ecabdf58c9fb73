"""Checks a spaCy JSONL file written by `baner` (export-support, convert or predict with --format spacy) against
real spaCy, and writes spaCy's own Doc.to_json() of every Doc back out, for `baner convert --from spacy` to read.

Not part of the tests (they do not need Python). Run by hand after changing src/core/formats:

    python3 -m venv /tmp/spacy-venv && /tmp/spacy-venv/bin/pip install spacy==3.7.5 click
    npx baner export-support --format spacy --out /tmp/docs.jsonl
    /tmp/spacy-venv/bin/python scripts/formats/check_spacy_json.py /tmp/docs.jsonl /tmp/docs.spacy-out.jsonl
    npx baner convert --from spacy --to baner /tmp/docs.spacy-out.jsonl /tmp/docs.back.jsonl

Each Doc must load with Doc.from_json(validate=True) and have exactly the file's tokens, entities and sentence starts;
the Docs must survive a DocBin round trip. The source BANER keeps in "meta" is copied to the output too (spaCy drops it).
"""
import json
import sys

import spacy
from spacy.tokens import Doc, DocBin


def main(path, out_path):
    nlp = spacy.blank("en")
    lines = [json.loads(line) for line in open(path, encoding="utf8") if line.strip()]
    docs = []
    for number, data in enumerate(lines, 1):
        doc = Doc(nlp.vocab).from_json(data, validate=True)
        where = f"{path}:{number}"
        assert doc.text == data["text"], where
        assert [(t.idx, t.idx + len(t)) for t in doc] == [(t["start"], t["end"]) for t in data["tokens"]], f"{where}: tokens"
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(e["start"], e["end"], e["label"]) for e in data.get("ents", [])], f"{where}: entities"
        for sent in data.get("sents", []):
            span = doc.char_span(sent["start"], sent["end"])
            assert span is not None and span[0].is_sent_start, f"{where}: sentence {sent}"
        docs.append(doc)
    back = list(DocBin(docs=docs).from_bytes(DocBin(docs=docs).to_bytes()).get_docs(nlp.vocab))
    for number, (a, b) in enumerate(zip(docs, back), 1):
        assert a.text == b.text and [(e.start_char, e.end_char, e.label_) for e in a.ents] == [(e.start_char, e.end_char, e.label_) for e in b.ents], f"{path}:{number}: DocBin"
    with open(out_path, "w", encoding="utf8") as out:
        for data, doc in zip(lines, back):
            written = doc.to_json()
            if "meta" in data:
                written["meta"] = data["meta"]
            out.write(json.dumps(written, ensure_ascii=False) + "\n")
    print(f"ok: {len(docs)} Docs, {sum(len(d.ents) for d in docs)} entities (spaCy {spacy.__version__}); spaCy's JSON in {out_path}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: check_spacy_json.py IN.jsonl OUT.jsonl")
    main(sys.argv[1], sys.argv[2])
