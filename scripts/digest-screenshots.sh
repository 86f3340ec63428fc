#!/usr/bin/env bash
# Renders a digest HTML file in headless Chromium at the email width (600 px) and at a phone
# width (390 px), light and dark, to look at. Needs chromium (apt-get install chromium).
#   scripts/digest-screenshots.sh [DIGEST.html] [OUTDIR]
# Default: builds the bundled samples' digest of 25 April 2019 into a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${2:-target/digest-screenshots}"
mkdir -p "$out"
html="${1:-}"
if [ -z "$html" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  cargo run --quiet --release -- run --out "$work/out" --state "$work/state.sqlite" \
    --now 2019-04-26T12:00:00+07:00 >/dev/null
  html="$work/out/digest/2019-04-25.html"
fi
chrome=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
shot() { # name width height [extra flags]
  local name=$1 width=$2 height=$3; shift 3
  "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=2000 \
    "$@" --window-size="$width,$height" --screenshot="$out/$name.png" "file://$(realpath "$html")" 2>/dev/null
  echo "$out/$name.png"
}
shot email-600 600 2400
shot phone-390 390 2400
shot email-600-dark 600 2400 --force-dark-mode --blink-settings=preferredColorScheme=0
shot phone-390-dark 390 2400 --force-dark-mode --blink-settings=preferredColorScheme=0
