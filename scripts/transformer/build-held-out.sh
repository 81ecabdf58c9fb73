#!/usr/bin/env bash
# The held-out-domain models of the few-shot benchmark: for each CrossNER domain X, the shipped model's recipe
# with X left out of stage B and of the hub (stage A, news only, is shared; step soup does nothing unless --soup-alpha), run with the settings the shipped
# model's evaluation chose (typing, int8 products, one type per name). `baner bench-fewshot
# --held-out-models .cache/transformer/held-out` then evaluates each CrossNER target on a model that never saw it.
#   npm run train:held-out [-- politics,music]
set -euo pipefail
cd "$(dirname "$0")/../.."
domains=${1:-politics,science,music,literature,ai}
for domain in ${domains//,/ }; do
  npm run train:transformer -- --exclude "$domain" --out ".cache/transformer/held-out/without-$domain" --steps stage-b,soup,assemble,hub,adopt --settings-from models/transformer "${@:2}"
done
