#!/usr/bin/env bash
# A real-editor check of the Agora language server: Neovim, headless, starts the server,
# opens a .game file with an error and asks for diagnostics, hover, completion,
# definition and symbols, then fixes the error and waits for the diagnostics to clear.
#
#   scripts/nvim-lsp-check.sh [cli|bundled]
#
#   cli      node bin/agora.js lsp --stdio   (needs `npm run build`; the default)
#   bundled  node extension/dist/server.js --stdio   (built here if missing)
#
# Needs Neovim 0.7 or later (Debian: apt-get install -y neovim). Exits 0 when every check
# passes; prints what the editor got either way.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
server="${1:-cli}"

if ! command -v nvim >/dev/null 2>&1; then
  echo "nvim-lsp-check: Neovim is not installed (apt-get install -y neovim)" >&2
  exit 2
fi

case "$server" in
  cli)
    if [ ! -f "$root/dist/server/lsp-server.js" ]; then
      echo "nvim-lsp-check: dist/server/lsp-server.js is missing: run \`npm run build\` first" >&2
      exit 2
    fi
    ;;
  bundled)
    if [ ! -f "$root/extension/dist/server.js" ]; then
      node "$root/scripts/package-extension.mjs" --no-package
    fi
    ;;
  *)
    echo "usage: $0 [cli|bundled]" >&2
    exit 2
    ;;
esac

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# One error: `bonus` is not declared (the Lua script finds the positions by text).
cat >"$tmp/check.game" <<'GAME'
// Public goods for the Neovim check
game NvimCheck {
  param multiplier: real = 1.6
  horizon 10

  role citizen * 3 {
    action contribute(x: 0..5)
    action keep
    observe round, self.total
  }

  step {
    let pot = 0
    for c in citizen {
      match c.action { contribute(x) => { pot += x  c.reward -= x } }
    }
    for c in citizen { c.reward += pot * multiplier / 3 + bonus }
  }
}
GAME

# A clean Neovim: no user config, plugins, shada or swap files; its LSP log goes to $tmp.
status=0
env XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_STATE_HOME="$tmp/state" XDG_CACHE_HOME="$tmp/cache" \
  AGORA_ROOT="$root" AGORA_SERVER="$server" AGORA_GAME_FILE="$tmp/check.game" AGORA_OUT="$tmp/report.txt" \
  timeout 120 nvim --headless -n -i NONE --noplugin -u "$root/scripts/nvim-lsp-check.lua" >"$tmp/nvim.log" 2>&1 || status=$?

if [ -f "$tmp/report.txt" ]; then cat "$tmp/report.txt"; fi
if [ "$status" -ne 0 ]; then
  echo "--- nvim exited with status $status; its output:"
  cat "$tmp/nvim.log"
  log="$(find "$tmp/cache" "$tmp/state" -name 'lsp.log' 2>/dev/null | head -n 1)"
  if [ -n "$log" ]; then echo "--- LSP log:"; tail -n 40 "$log"; fi
fi
exit "$status"
