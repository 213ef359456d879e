#!/usr/bin/env bash
# Opens a run's report.html in headless Chromium: checks that every chart rendered (the page
# counts them into <body data-charts>) and saves a screenshot next to the report.
#   scripts/check-report.sh RUN_DIR            (needs Debian's chromium: apt-get install chromium)
set -euo pipefail
run="${1:?usage: scripts/check-report.sh RUN_DIR}"
report="$(cd "$run" && pwd)/report.html"
[ -f "$report" ] || { echo "no report at $report" >&2; exit 1; }
browser="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$browser" ] || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }
flags=(--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --no-first-run --user-data-dir="$(mktemp -d)")
expected=$(grep -o 'class="chart"' "$report" | wc -l)
rendered=$("$browser" "${flags[@]}" --virtual-time-budget=5000 --dump-dom "file://$report" 2>/dev/null | grep -o 'data-charts="[0-9]*"' | grep -o '[0-9]*' || echo 0)
"$browser" "${flags[@]}" --window-size=1200,2400 --screenshot="$run/report.png" "file://$report" >/dev/null 2>&1
echo "charts rendered: $rendered of $expected; screenshot: $run/report.png"
[ "$rendered" -eq "$expected" ]
