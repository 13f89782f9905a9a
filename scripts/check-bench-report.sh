#!/usr/bin/env bash
# Checks that `jipc bench --report` draws a chart a browser renders: makes a report (or takes
# FILE.html), opens it in headless Chromium, and inspects the screenshot: it must show the bars
# of jipc (#3b6fb6) and of C (#999999), not a blank page or an error.
#   scripts/check-bench-report.sh [REPORT.html [SCREENSHOT.png]]
# Without REPORT, runs a short bench (pipe, 1 round) into a temporary report.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
chromium=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [[ -z "$chromium" ]]; then
  echo "check-bench-report: no chromium (apt-get install chromium)" >&2
  exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
report=${1:-}
if [[ -z "$report" ]]; then
  report="$tmp/report.html"
  "$root/jipc" bench --mechanisms pipe --rounds 1 --messages 2000 --warmup-cap 5s --report "$report" >/dev/null
fi
shot=${2:-$tmp/report.png}
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1000,1400 \
  --screenshot="$shot" "file://$(readlink -f "$report")" >/dev/null 2>&1
python3 - "$shot" <<'PY'
import struct, sys, zlib
# A PNG's pixels with the standard library alone: chunks, zlib, and the five row filters.
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
pos, idat = 8, b''
while pos < len(data):
    n, kind = struct.unpack('>I4s', data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b'IHDR':
        w, h, depth, ctype = struct.unpack('>IIBB', body[:10])
    elif kind == b'IDAT':
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), f'unexpected PNG format {depth}/{ctype}'
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
prev, counts = bytearray(stride), {}
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp):
        rgb = bytes(line[x:x + 3])
        counts[rgb] = counts.get(rgb, 0) + 1
    prev = line
jipc, c = counts.get(bytes.fromhex('3b6fb6'), 0), counts.get(bytes.fromhex('999999'), 0)
print(f'check-bench-report: {w}x{h} screenshot, {jipc} jipc-blue and {c} C-grey pixels, {len(counts)} colours')
if jipc < 1000 or c < 1000:
    sys.exit('check-bench-report: the chart did not render (no bars in the screenshot)')
PY
