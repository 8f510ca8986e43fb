#!/usr/bin/env bash
# Refresh the vendored KaTeX and mermaid assets from the npm registry (see docs/assets/vendor/README.md).
set -euo pipefail
KATEX=${KATEX:-0.19.1}
MERMAID=${MERMAID:-11.17.2}
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/docs/assets/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "katex@$KATEX" "mermaid@$MERMAID" >/dev/null
mkdir katex mermaid
tar xzf "katex-$KATEX.tgz" -C katex --strip-components=1
tar xzf "mermaid-$MERMAID.tgz" -C mermaid --strip-components=1
rm -rf "$dest/katex" "$dest/mermaid"
mkdir -p "$dest/katex/fonts" "$dest/mermaid"
cp katex/dist/katex.min.js katex/dist/katex.min.css katex/dist/contrib/auto-render.min.js "$dest/katex/"
cp katex/dist/fonts/*.woff2 "$dest/katex/fonts/"
cp katex/LICENSE "$dest/katex/LICENSE"
cp mermaid/dist/mermaid.min.js "$dest/mermaid/"
cp mermaid/LICENSE "$dest/mermaid/LICENSE"
echo "vendored katex $KATEX and mermaid $MERMAID into $dest; update README.md there if versions changed"
