#!/usr/bin/env bash
# PhalaWorker devnet demo: one encrypted AI job end to end.
#   installs what it needs (npm packages into the git-ignored deploy/node_modules; Debian libsecp256k1-1 when missing),
#   builds (Release), starts anvil (or uses --rpc URL --key HEX), deploys the NodeRegistry, starts the agent
#   (emulated TEE, CPU backend) as a real process, submits tiny_mlp with `phala-worker submit --out`, prints the decrypted
#   output and a few lines on the verified receipt (job id, status, receipt digest, batch and inclusion, verified), checks
#   the written receipt and proof again with `phala-worker result verify` and with an outside client
#   (deploy/devnet/crosscheck/verify-onchain.mjs: ethers + cast), and lists the on-chain records. Its last line is one JSON object:
#   {"jobId","node","registry","chainId","rpc","receipt","registerTx","resultTx","verified":true}
# It stops everything it started on exit, on failure and on Ctrl-C.
#
# Usage: deploy/devnet/demo.sh [--rpc URL --key HEX]
#   --rpc URL   use this existing chain instead of starting anvil
#   --key HEX   deployer/operator private key on that chain (or set PHALA_WORKER_KEY)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

rpc=""
key="${PHALA_WORKER_KEY:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --rpc) rpc="${2:?--rpc needs a URL}"; shift 2 ;;
    --key) key="${2:?--key needs a hex private key}"; shift 2 ;;
    -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -n "$rpc" ] && [ -z "$key" ]; then
  echo "--rpc needs --key HEX (or PHALA_WORKER_KEY) for the deployer/operator account" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/phala-worker-demo.XXXXXX")"
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  if [ "$status" -ne 0 ]; then
    echo "demo failed (exit $status); logs:" >&2
    for log in "$work"/*.log; do
      [ -e "$log" ] || continue
      echo "---- $(basename "$log") (last 40 lines)" >&2
      tail -n 40 "$log" >&2
    done
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n==> %s\n' "$*"; }

# Runs a long, quiet command with its output in $work/NAME.log; on a terminal shows the elapsed time while it runs.
with_progress() {
  local name="$1" label="$2"; shift 2
  "$@" >"$work/$name.log" 2>&1 &
  local pid=$! start=$SECONDS status=0
  if [ -t 2 ]; then
    while kill -0 "$pid" 2>/dev/null; do
      printf '\r%s (%ds)' "$label" $(( SECONDS - start )) >&2
      sleep 1
    done
    printf '\r\033[K' >&2
  fi
  wait "$pid" || status=$?
  if [ "$status" -ne 0 ]; then
    cat "$work/$name.log" >&2
    return "$status"
  fi
  echo "$label: done in $(( SECONDS - start ))s"
}

free_port() {
  local port
  for port in $(seq "$1" $(( $1 + 200 ))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  echo "no free port from $1" >&2; return 1
}

json() { node -e "const o=JSON.parse(require('fs').readFileSync(0,'utf8').trim().split('\n').pop()); const v=($1); process.stdout.write(typeof v==='string'?v:JSON.stringify(v));"; }

step "dependencies"
"$repo/deploy/install-deps.sh"

step "build (Release; the first build restores packages and takes a few minutes)"
with_progress build-cli "building phala-worker (the CLI)" dotnet build src/PhalaWorker.Cli/PhalaWorker.Cli.csproj -c Release -nologo -v q
with_progress build-agent "building the agent" dotnet build src/PhalaWorker.Agent/PhalaWorker.Agent.csproj -c Release -nologo -v q
cli=(dotnet "$repo/src/PhalaWorker.Cli/bin/Release/net10.0/phala-worker.dll")
agent_dll="$repo/src/PhalaWorker.Agent/bin/Release/net10.0/PhalaWorker.Agent.dll"

if [ -z "$rpc" ]; then
  step "anvil (local L2)"
  anvil_port="$(free_port 8545)"
  "$repo/deploy/node_modules/.bin/anvil" --port "$anvil_port" --host 127.0.0.1 --chain-id 31337 >"$work/anvil.log" 2>&1 &
  pids+=("$!")
  rpc="http://127.0.0.1:$anvil_port"
  # anvil's well-known development accounts: #0 deploys the registry, #1 operates the node.
  key="0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
  operator_key="0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
  for _ in $(seq 1 100); do
    if grep -q "Listening on" "$work/anvil.log" 2>/dev/null; then break; fi
    sleep 0.2
  done
  grep -q "Listening on" "$work/anvil.log" || { echo "anvil did not start" >&2; exit 1; }
  echo "anvil on $rpc"
else
  operator_key="$key"
  echo "using the chain at $rpc"
fi

step "deploy the NodeRegistry"
PHALA_WORKER_KEY="$key" "${cli[@]}" registry deploy --rpc "$rpc" >"$work/deploy.json"
registry="$(json o.registry <"$work/deploy.json")"
chain_id="$(json o.chainId <"$work/deploy.json")"
echo "NodeRegistry at $registry on chain $chain_id (transaction $(json o.transactionHash <"$work/deploy.json"))"

step "agent (emulated TEE, CPU backend) as a real process"
agent_port="$(free_port 7080)"
endpoint="https://127.0.0.1:$agent_port" # RA-TLS: the CLI pins the TLS key from the attestation
metrics_port="$(free_port 9464)"
printf '%s' "$operator_key" >"$work/operator.key"
chmod 600 "$work/operator.key"
(cd "$work" && exec dotnet "$agent_dll" --tee emulated --backend cpu --listen "$endpoint" --journal "$work/journal.db" \
   --metrics-listen "http://127.0.0.1:$metrics_port" \
   --rpc "$rpc" --registry "$registry" --operator-key-file "$work/operator.key" \
   --Registry:BatchSize 1 --Registry:BatchMaxAge 00:00:01 >"$work/agent.log" 2>&1) &
pids+=("$!")
for _ in $(seq 1 150); do
  if grep -q "registered in" "$work/agent.log" 2>/dev/null; then break; fi
  if ! kill -0 "${pids[-1]}" 2>/dev/null; then echo "the agent exited" >&2; exit 1; fi
  sleep 0.2
done
register_tx="$(grep -o 'by transaction 0x[0-9a-fA-F]*' "$work/agent.log" | head -n1 | awk '{print $3}')"
[ -n "$register_tx" ] || { echo "the agent did not register" >&2; exit 1; }
grep -m1 "TEE IS EMULATED" "$work/agent.log" | sed 's/^ */agent: /' || true
echo "agent on $endpoint registered (transaction $register_tx)"

step "phala-worker measurements show + registry allow-measurements (the build's emulated profile, allow-listed on chain)"
# Clients refuse any node whose measurements match no profile the registry owner allow-lists; the demo's deployer
# allow-lists this build's emulated profile, and attest/submit read the allow-list from the registry.
"${cli[@]}" measurements show --agent-dir "$(dirname "$agent_dll")" --tee emulated --json >"$work/measurements.json"
echo "agent digest $(json o.agentDigest <"$work/measurements.json"), RTMR3 $(json o.rtmr3 <"$work/measurements.json")"
json o.profile <"$work/measurements.json" >"$work/profile.json"
PHALA_WORKER_KEY="$key" "${cli[@]}" registry allow-measurements --rpc "$rpc" --registry "$registry" --profile "$work/profile.json" >"$work/allow.json"
echo "profile $(json o.profileId <"$work/allow.json") allow-listed"

step "phala-worker attest"
"${cli[@]}" attest --endpoint "$endpoint" --rpc "$rpc" --registry "$registry" --allow-emulated

step "phala-worker submit (tiny_mlp)"
model="$repo/tests/testdata/onnx/models/tiny_mlp/model.onnx"
input="$repo/tests/testdata/onnx/models/tiny_mlp/test_data_set_0/input_0.pb"
"${cli[@]}" submit --endpoint "$endpoint" --rpc "$rpc" --registry "$registry" \
  --model "$model" --input "x=$input" --allow-emulated --json --timeout 120 --out "$work/job" >"$work/submit.json"

echo "decrypted output:"
json "o.outputs.map(t => '  ' + t.name + ': ' + t.dtype + '[' + t.shape.join('x') + '] ' + JSON.stringify(t.values.map(v => +v.toPrecision(4)))).join('\n')" <"$work/submit.json"
echo
node -e "
const o = JSON.parse(require('fs').readFileSync(0, 'utf8').trim().split('\n').pop());
const i = o.inclusion;
console.log('job      ' + o.jobId + ' succeeded on ' + o.node + ' (' + o.backend + ')');
console.log('receipt  ' + o.receiptDigest + ' (EIP-712, hashes recomputed, signed by the node)');
console.log('on chain ' + (i ? 'batch ' + i.batchIndex + ' in block ' + i.blockNumber + ', transaction ' + i.transactionHash : 'not posted yet'));
console.log('verified ' + (o.verified === true) + (i && i.verifiedOnChain ? ' (Merkle proof checked off chain and by the registry)' : ''));
console.log('files    ' + o.out + ': ' + o.files.join(', '));" <"$work/submit.json"

step "phala-worker result verify (the written receipt and proof, checked again against the registry)"
"${cli[@]}" result verify --rpc "$rpc" --registry "$registry" --receipt "$work/job/receipt.json" --proof "$work/job/proof.json" >"$work/verify.json"
echo "result verify: verified $(json o.verified <"$work/verify.json"), signer $(json o.signer <"$work/verify.json"), batch $(json o.batchIndex <"$work/verify.json")"

step "an outside client checks the same on chain (ethers + cast, from proto/README.md alone)"
"${cli[@]}" attest --endpoint "$endpoint" --rpc "$rpc" --registry "$registry" --allow-emulated --json >"$work/attest.json"
node "$repo/deploy/devnet/crosscheck/verify-onchain.mjs" --rpc "$rpc" --registry "$registry" --json "$work/submit.json" \
  --attestation "$work/attest.json" --endpoint "$endpoint"

step "on-chain records"
"${cli[@]}" nodes list --rpc "$rpc" --registry "$registry"

job_id="$(json o.jobId <"$work/submit.json")"
node_address="$(json o.node <"$work/submit.json")"
result_tx="$(json o.inclusion.transactionHash <"$work/submit.json")"
verified="$(json o.verified <"$work/submit.json")"
[ "$verified" = "true" ] || { echo "not verified" >&2; exit 1; }

echo
node -e "
const o = JSON.parse(require('fs').readFileSync(0, 'utf8').trim().split('\n').pop());
process.stdout.write(JSON.stringify({
  jobId: o.jobId, node: o.node, registry: '$registry', chainId: $chain_id, rpc: '$rpc',
  receipt: o.receipt, registerTx: '$register_tx', resultTx: o.inclusion.transactionHash, verified: o.verified === true,
}) + '\n');" <"$work/submit.json"
