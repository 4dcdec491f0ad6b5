#!/usr/bin/env bash
# Compiles NodeRegistry.sol with the solc-js pinned in deploy/package.json (optimizer on, 200 runs, EVM cancun)
# into build/NodeRegistry.abi (JSON) and build/NodeRegistry.bin (creation bytecode, hex without 0x).
# The output is deterministic: tests rebuild into a temporary folder and compare with the committed files.
# Usage: deploy/contracts/build.sh [OUTPUT_DIR]   (default: deploy/contracts/build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
deploy="$(dirname "$here")"
out="${1:-$here/build}"
solcjs="$deploy/node_modules/.bin/solcjs"
if [[ ! -x "$solcjs" ]]; then
  echo "build.sh: $solcjs is missing; run 'cd deploy && npm ci --no-audit --no-fund' first" >&2
  exit 2
fi
mkdir -p "$out"
# The solc-js module is driven through Standard JSON (solcjs' flags cannot set the EVM version, and its
# --standard-json mode prints notices on stdout).
SOURCE_FILE="$here/NodeRegistry.sol" OUT_DIR="$out" SOLC_MODULE="$deploy/node_modules/solc" node -e '
  const fs = require("fs");
  const solc = require(process.env.SOLC_MODULE);
  const input = {
    language: "Solidity",
    sources: { "NodeRegistry.sol": { content: fs.readFileSync(process.env.SOURCE_FILE, "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      metadata: { bytecodeHash: "ipfs" },
      outputSelection: { "NodeRegistry.sol": { NodeRegistry: ["abi", "evm.bytecode.object"] } }
    }
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  let failed = false;
  for (const e of output.errors || []) {
    process.stderr.write((e.formattedMessage || e.message) + "\n");
    failed = true; // warnings fail the build too: the artefacts stay clean
  }
  if (failed) process.exit(1);
  const c = output.contracts["NodeRegistry.sol"].NodeRegistry;
  const dir = process.env.OUT_DIR;
  fs.writeFileSync(dir + "/NodeRegistry.abi", JSON.stringify(c.abi, null, 2) + "\n");
  fs.writeFileSync(dir + "/NodeRegistry.bin", c.evm.bytecode.object + "\n");
  process.stderr.write("solc " + solc.version() + "\n");
'
echo "build.sh: wrote $out/NodeRegistry.abi and $out/NodeRegistry.bin ($(( $(wc -c < "$out/NodeRegistry.bin") / 2 )) bytes)"
