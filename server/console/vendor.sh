#!/bin/sh
# Fetches the console's one third-party file set, uPlot (MIT; line charts), from the npm
# registry and copies its built ES module and CSS under static/vendor/. The result is committed:
# serving the console needs neither npm nor the network. Rerun after changing VERSION.
set -eu
VERSION=1.6.32
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack --silent "uplot@$VERSION" >/dev/null
tar xzf "uplot-$VERSION.tgz"
mkdir -p "$HERE/static/vendor"
cp package/dist/uPlot.esm.js package/dist/uPlot.min.css "$HERE/static/vendor/"
cp package/LICENSE "$HERE/static/vendor/uPlot.LICENSE"
echo "uplot@$VERSION $(sha256sum "uplot-$VERSION.tgz" | cut -d' ' -f1)" > "$HERE/static/vendor/VERSION"
