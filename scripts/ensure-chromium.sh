#!/usr/bin/env bash
# The VS Code test stages drive the workbench in Chromium (playwright-core never downloads a browser here).
# Installs Debian's chromium when it is missing and this is root on Debian/Ubuntu; otherwise says what to do.
set -euo pipefail
for candidate in "${BANER_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser /usr/bin/google-chrome; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then exit 0; fi
done
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "[ensure-chromium] installing Debian's chromium for the VS Code tests" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
  exit 0
fi
echo "[ensure-chromium] no Chromium found: install it (Debian/Ubuntu: sudo apt-get install chromium) or set BANER_CHROMIUM to a Chromium binary" >&2
exit 1
