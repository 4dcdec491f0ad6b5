#!/usr/bin/env node
// An outside Ethereum client's check of what a PhalaWorker node put on chain for one job.
//
// Written from proto/README.md and the committed NodeRegistry ABI (deploy/contracts/build/NodeRegistry.abi) only, with
// no code of this repository, so that it checks the documented contract rather than re-running our own: ethers v6 and
// Foundry's cast each check, independently of each other and of the CLI that wrote the JSON, that
//   - the node (the receipt's signer) is registered and active in the registry, and its record (teeType, quote hash,
//     HPKE key, endpoint, attestation digest) equals what the receipt and the attestation say, as does its
//     NodeRegistered event;
//   - the receipt's EIP-712 signature, under the documented domain and types on this chain and registry, recovers to
//     the node, and its digest is the one the registry computes (hashReceipt);
//   - the receipt's Merkle leaf and inclusion proof fold to the batch root, the root the registry holds for that batch
//     (getBatch) and the one the batch transaction's BatchPosted event carries; and the registry's verifyReceipt agrees.
//
// Usage:
//   node verify-onchain.mjs --rpc URL --registry ADDR --json FILE [--attestation FILE] [--endpoint URL]
//                           [--cast PATH] [--abi PATH] [--from-block N]
//   --json FILE         what `phala-worker submit --json` or `phala-worker result fetch --job ID --json` printed ('-': stdin)
//   --attestation FILE  what `phala-worker attest --json` printed for the node (adds the HPKE key and quote hash checks)
//   --endpoint URL      the endpoint the node was reached at (checked against the registered one)
//   --cast PATH         cast binary (default: deploy/node_modules/.bin/cast, else cast on PATH)
//   --abi PATH          NodeRegistry ABI (default: deploy/contracts/build/NodeRegistry.abi)
//   --from-block N      first block searched for the NodeRegistered event (default 0)
// Prints one line per check ("ok    tool: check: what matched" / "FAIL  tool: check: what differs"), then
// "N checks passed, M failed". Exit 0: every check passed; 1: a check failed (a mismatch, named on stderr too);
// 2: usage error, unreadable input, or the RPC does not answer.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { ethers } from 'ethers';

const here = path.dirname(fileURLToPath(import.meta.url));
const execFileAsync = promisify(execFile);

// proto/README.md, "Receipt (EIP-712)": the domain's name and version and the two struct types.
const DOMAIN_NAME = 'PhalaWorker';
const DOMAIN_VERSION = '1';
const EIP712_DOMAIN_TYPE = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
];
const JOB_RECEIPT_TYPE = [
  { name: 'jobId', type: 'bytes32' },
  { name: 'modelHash', type: 'bytes32' },
  { name: 'inputHash', type: 'bytes32' },
  { name: 'outputHash', type: 'bytes32' },
  { name: 'quoteHash', type: 'bytes32' },
  { name: 'finishedAt', type: 'uint64' },
  { name: 'backend', type: 'string' },
];
// proto/README.md, "Node records": teeType 1 TDX, 2 emulated TDX (the CLI prints them as "tdx" / "emulated-tdx").
const TEE_TYPES = new Map([[1n, 'tdx'], [2n, 'emulated-tdx']]);
// proto/README.md, "Merkle batches": leaf = keccak256(0x00 ‖ digest), inner = keccak256(0x01 ‖ min ‖ max).
const LEAF_PREFIX = '0x00';
const INNER_PREFIX = '0x01';
const MAX_SUCCESSION_DEPTH = 16;

class UsageError extends Error {}
class Mismatch extends Error {}

// ---------------------------------------------------------------------------------------------------------------- input

function usage(message) {
  throw new UsageError(message + ' (usage: node verify-onchain.mjs --rpc URL --registry ADDR --json FILE [--attestation FILE] [--endpoint URL] [--cast PATH] [--abi PATH] [--from-block N])');
}

function parseCommandLine() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        rpc: { type: 'string' }, registry: { type: 'string' }, json: { type: 'string' }, attestation: { type: 'string' },
        endpoint: { type: 'string' }, cast: { type: 'string' }, abi: { type: 'string' }, 'from-block': { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    usage(e.message);
  }
  for (const required of ['rpc', 'registry', 'json']) {
    if (!values[required]) usage(`--${required} is required`);
  }
  if (!ethers.isAddress(values.registry)) usage(`--registry '${values.registry}' is not an address`);
  const fromBlock = values['from-block'] ?? '0';
  if (!/^[0-9]+$/.test(fromBlock)) usage(`--from-block '${fromBlock}' is not a block number`);
  return {
    rpc: values.rpc,
    registry: ethers.getAddress(values.registry),
    json: values.json,
    attestation: values.attestation,
    endpoint: values.endpoint,
    cast: values.cast ?? defaultCast(),
    abi: values.abi ?? path.resolve(here, '../../contracts/build/NodeRegistry.abi'),
    fromBlock: Number(fromBlock),
  };
}

function defaultCast() {
  const installed = path.resolve(here, '../../node_modules/.bin/cast');
  return existsSync(installed) ? installed : 'cast';
}

// The CLI prints one JSON object (on its last line when anything precedes it).
function readJsonDocument(file, what) {
  let text;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${e.message}`);
  }
  for (const candidate of [text, text.trim().split('\n').pop()]) {
    try {
      const value = JSON.parse(candidate);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
    } catch {
      // try the last line
    }
  }
  throw new UsageError(`${what} ${file} is not a JSON object`);
}

function requireMember(object, name, where) {
  if (object === null || typeof object !== 'object' || !(name in object) || object[name] === undefined) {
    throw new UsageError(`${where} has no '${name}'`);
  }
  return object[name];
}

function requireHash(value, where) {
  if (typeof value !== 'string' || !ethers.isHexString(value, 32)) throw new UsageError(`${where} is not a 32-byte 0x-hex value: ${JSON.stringify(value)}`);
  return value.toLowerCase();
}

function requireAddress(value, where) {
  if (typeof value !== 'string' || !ethers.isAddress(value)) throw new UsageError(`${where} is not an address: ${JSON.stringify(value)}`);
  return ethers.getAddress(value);
}

function requireUint(value, where) {
  try {
    const n = BigInt(value);
    if (n >= 0n) return n;
  } catch {
    // below
  }
  throw new UsageError(`${where} is not an unsigned integer: ${JSON.stringify(value)}`);
}

function readJobDocument(file) {
  const doc = readJsonDocument(file, 'job JSON');
  const receipt = requireMember(doc, 'receipt', 'the job JSON');
  const message = requireMember(receipt, 'message', 'receipt');
  const proof = requireMember(doc, 'proof', 'the job JSON');
  if (proof === null) {
    throw new Mismatch("the job JSON has no inclusion proof ('proof' is null): its batch was not posted when it was written; run 'phala-worker result fetch --job ID --json' once it is");
  }
  const inclusion = requireMember(doc, 'inclusion', 'the job JSON');
  return {
    jobId: requireHash(requireMember(doc, 'jobId', 'the job JSON'), 'jobId'),
    node: requireAddress(requireMember(doc, 'node', 'the job JSON'), 'node'),
    chainId: 'chainId' in doc ? requireUint(doc.chainId, 'chainId') : null,
    registry: 'registry' in doc ? requireAddress(doc.registry, 'registry') : null,
    teeType: typeof doc.teeType === 'string' ? doc.teeType : null,
    backend: typeof doc.backend === 'string' ? doc.backend : null,
    // null when the node attested without GPU evidence; absent (undefined) when the JSON does not say (result fetch)
    gpu: doc.gpu,
    receiptDigest: requireHash(requireMember(doc, 'receiptDigest', 'the job JSON'), 'receiptDigest'),
    receipt: {
      types: requireMember(receipt, 'types', 'receipt'),
      primaryType: requireMember(receipt, 'primaryType', 'receipt'),
      domain: requireMember(receipt, 'domain', 'receipt'),
      signature: requireMember(receipt, 'signature', 'receipt'),
      message: {
        jobId: requireHash(requireMember(message, 'jobId', 'receipt.message'), 'receipt.message.jobId'),
        modelHash: requireHash(requireMember(message, 'modelHash', 'receipt.message'), 'receipt.message.modelHash'),
        inputHash: requireHash(requireMember(message, 'inputHash', 'receipt.message'), 'receipt.message.inputHash'),
        outputHash: requireHash(requireMember(message, 'outputHash', 'receipt.message'), 'receipt.message.outputHash'),
        quoteHash: requireHash(requireMember(message, 'quoteHash', 'receipt.message'), 'receipt.message.quoteHash'),
        finishedAt: requireUint(requireMember(message, 'finishedAt', 'receipt.message'), 'receipt.message.finishedAt'),
        backend: String(requireMember(message, 'backend', 'receipt.message')),
      },
    },
    proof: {
      node: requireAddress(requireMember(proof, 'node', 'proof'), 'proof.node'),
      batchIndex: requireUint(requireMember(proof, 'batchIndex', 'proof'), 'proof.batchIndex'),
      // proto/README.md: the printed proof's 'leaf' is the receipt digest; the Merkle leaf is keccak256(0x00 ‖ it)
      digest: requireHash(requireMember(proof, 'leaf', 'proof'), 'proof.leaf'),
      siblings: (() => {
        const siblings = requireMember(proof, 'proof', 'proof');
        if (!Array.isArray(siblings)) throw new UsageError('proof.proof is not an array');
        return siblings.map((s, i) => requireHash(s, `proof.proof[${i}]`));
      })(),
      root: requireHash(requireMember(proof, 'root', 'proof'), 'proof.root'),
    },
    inclusion: inclusion === null ? null : {
      batchIndex: requireUint(requireMember(inclusion, 'batchIndex', 'inclusion'), 'inclusion.batchIndex'),
      batchRoot: requireHash(requireMember(inclusion, 'batchRoot', 'inclusion'), 'inclusion.batchRoot'),
      transactionHash: requireHash(requireMember(inclusion, 'transactionHash', 'inclusion'), 'inclusion.transactionHash'),
      blockNumber: requireUint(requireMember(inclusion, 'blockNumber', 'inclusion'), 'inclusion.blockNumber'),
    },
  };
}

function readAttestation(file) {
  if (!file) return null;
  const doc = readJsonDocument(file, 'attestation JSON');
  return {
    node: requireAddress(requireMember(doc, 'node', 'the attestation JSON'), 'attestation node'),
    teeType: String(requireMember(doc, 'teeType', 'the attestation JSON')),
    hpkePublicKey: requireHash(requireMember(doc, 'hpkePublicKey', 'the attestation JSON'), 'attestation hpkePublicKey'),
    quoteHash: requireHash(requireMember(doc, 'quoteHash', 'the attestation JSON'), 'attestation quoteHash'),
    chainId: 'chainId' in doc ? requireUint(doc.chainId, 'attestation chainId') : null,
    registry: 'registry' in doc ? requireAddress(doc.registry, 'attestation registry') : null,
    gpu: doc.gpu,
  };
}

// ------------------------------------------------------------------------------------------------------------- checking

const results = [];

async function check(name, body) {
  try {
    const detail = await body();
    results.push({ name, ok: true });
    console.log(`ok    ${name}: ${detail}`);
    return true;
  } catch (e) {
    const reason = e instanceof Mismatch ? e.message : `error: ${describeError(e)}`;
    results.push({ name, ok: false, reason });
    console.log(`FAIL  ${name}: ${reason}`);
    return false;
  }
}

function describeError(e) {
  if (e?.revert?.name) return `reverted ${e.revert.name}(${e.revert.args.join(', ')})`;
  const text = e?.shortMessage ?? e?.message ?? String(e);
  return text.split('\n')[0];
}

function text(value) {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value)) return value.toLowerCase();
  return String(value);
}

function expectEqual(what, actual, expected) {
  if (text(actual) !== text(expected)) throw new Mismatch(`${what} is ${text(actual)}, expected ${text(expected)}`);
}

function expectTrue(what, condition) {
  if (!condition) throw new Mismatch(what);
}

function leafHash(digest) {
  return ethers.keccak256(ethers.concat([LEAF_PREFIX, digest]));
}

function innerHash(a, b) {
  const [low, high] = BigInt(a) <= BigInt(b) ? [a, b] : [b, a];
  return ethers.keccak256(ethers.concat([INNER_PREFIX, low, high]));
}

function foldProof(digest, siblings) {
  return siblings.reduce((h, p) => innerHash(h, p), leafHash(digest));
}

// A tree of n leaves has depth ceil(log2 n): no proof for it is longer.
function treeDepth(count) {
  let depth = 0;
  for (let width = 1n; width < count; width *= 2n) depth++;
  return depth;
}

function sameTypes(actual, expected) {
  return Array.isArray(actual) && actual.length === expected.length
    && actual.every((m, i) => m?.name === expected[i].name && m?.type === expected[i].type);
}

// proto/README.md, "Endpoint": an absolute URI scheme://host:port, http or https, no path, 1..256 bytes.
function endpointProblem(endpoint) {
  const bytes = Buffer.byteLength(endpoint, 'utf8');
  if (bytes < 1 || bytes > 256) return `is ${bytes} bytes long (1 to 256)`;
  let url;
  try {
    url = new URL(endpoint);
  } catch {
    return 'is not an absolute URI';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `has scheme ${url.protocol} (http or https)`;
  if (!/^[a-z]+:\/\/[^/?#]+:[0-9]+\/?$/i.test(endpoint)) return 'is not scheme://host:port without a path';
  return null;
}

// ---------------------------------------------------------------------------------------------------------------- cast

class Cast {
  constructor(binary, rpc, contractInterface) {
    this.binary = binary;
    this.rpc = rpc;
    this.contractInterface = contractInterface;
  }

  // cast prints a custom error as `custom error 0xSELECTOR: …, data: "0x…"`: name it from the ABI.
  describeRevert(stderr) {
    const data = /data: "(0x[0-9a-fA-F]*)"/.exec(stderr)?.[1];
    if (!data) return null;
    try {
      const error = this.contractInterface.parseError(data);
      return error ? `reverted ${error.name}(${error.args.join(', ')})` : null;
    } catch {
      return null;
    }
  }

  async run(args, { rpc = false, allowFailure = false } = {}) {
    const full = rpc ? [...args, '--rpc-url', this.rpc] : args;
    try {
      const { stdout } = await execFileAsync(this.binary, full, { timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } });
      return { ok: true, stdout: stdout.trim() };
    } catch (e) {
      if (e.code === 'ENOENT') throw new UsageError(`cast not found at '${this.binary}' (npm ci in deploy/, or --cast PATH)`);
      const stderr = (e.stderr ?? '').toString().trim();
      if (allowFailure) return { ok: false, stdout: (e.stdout ?? '').toString().trim(), stderr };
      throw new Error(`cast ${args[0]} failed: ${this.describeRevert(stderr) ?? (stderr.split('\n')[0] || e.message)}`);
    }
  }

  async json(args, options) {
    const { stdout } = await this.run([...args, '--json'], options);
    return JSON.parse(stdout);
  }
}

// The cast form of an ABI value: tuples in parentheses, arrays in brackets, strings quoted.
function castValue(param, value) {
  if (param.baseType === 'tuple') return `(${param.components.map((c, i) => castValue(c, value[i])).join(',')})`;
  if (param.baseType === 'array') return `[${value.map((v) => castValue(param.arrayChildren, v)).join(',')}]`;
  if (param.type === 'string') return JSON.stringify(value);
  return text(value);
}

// ----------------------------------------------------------------------------------------------------------------- main

async function rpcChainId(url) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    throw new UsageError(`the RPC ${url} does not answer: ${e.cause?.message ?? e.message}`);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok || typeof body?.result !== 'string') throw new UsageError(`the RPC ${url} answered eth_chainId with HTTP ${response.status} ${JSON.stringify(body?.error ?? body)}`);
  return BigInt(body.result);
}

async function main() {
  const options = parseCommandLine();
  let abi;
  try {
    abi = JSON.parse(readFileSync(options.abi, 'utf8'));
  } catch (e) {
    throw new UsageError(`cannot read the NodeRegistry ABI ${options.abi}: ${e.message}`);
  }
  const registryAbi = new ethers.Interface(abi);
  const attestation = readAttestation(options.attestation);
  let job;
  try {
    job = readJobDocument(options.json);
  } catch (e) {
    if (!(e instanceof Mismatch)) throw e;
    results.push({ name: 'input', ok: false, reason: e.message });
    console.log(`FAIL  input: ${e.message}`);
    return;
  }

  const chainId = await rpcChainId(options.rpc);
  const request = new ethers.FetchRequest(options.rpc);
  request.timeout = 30_000;
  const provider = new ethers.JsonRpcProvider(request, undefined, { staticNetwork: ethers.Network.from(chainId), batchMaxCount: 1 });
  const registry = new ethers.Contract(options.registry, registryAbi, provider);
  const cast = new Cast(options.cast, options.rpc, registryAbi);
  const { receipt } = job;
  const signer = job.node;
  console.log(`checking job ${job.jobId} of node ${signer} on chain ${chainId}, registry ${options.registry}`);

  // The documented domain, on the chain the RPC serves and at the registry given: not the JSON's word for either.
  const domain = { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId, verifyingContract: options.registry };
  const types = { JobReceipt: JOB_RECEIPT_TYPE };
  const digest = ethers.TypedDataEncoder.hash(domain, types, receipt.message);
  const batchNode = job.proof.node;
  const batchIndex = job.proof.batchIndex;
  const root = job.proof.root;
  let node = null;
  let batch = null;

  // ---- ethers
  await check('ethers: chain', async () => {
    expectEqual("the receipt's domain chainId", requireUint(receipt.domain.chainId, 'receipt.domain.chainId'), chainId);
    if (job.chainId !== null) expectEqual("the JSON's chainId", job.chainId, chainId);
    if (attestation?.chainId != null) expectEqual("the attestation's chainId", attestation.chainId, chainId);
    return `the RPC serves chain ${chainId}, the chain the receipt and the node name`;
  });

  await check('ethers: registry', async () => {
    expectEqual("the receipt's domain verifyingContract", requireAddress(receipt.domain.verifyingContract, 'receipt.domain.verifyingContract'), options.registry);
    if (job.registry !== null) expectEqual("the JSON's registry", job.registry, options.registry);
    if (attestation?.registry != null) expectEqual("the attestation's registry", attestation.registry, options.registry);
    const code = await provider.getCode(options.registry);
    expectTrue(`no contract at ${options.registry} (eth_getCode is empty)`, code !== '0x');
    const separator = await registry.domainSeparator();
    expectEqual(`the registry's domainSeparator()`, separator, ethers.TypedDataEncoder.hashDomain(domain));
    return `the receipt names ${options.registry}; a contract is there and its EIP-712 domain separator is the documented domain's (${separator})`;
  });

  await check('ethers: receipt typed data', async () => {
    expectEqual('primaryType', receipt.primaryType, 'JobReceipt');
    expectEqual('domain name', receipt.domain.name, DOMAIN_NAME);
    expectEqual('domain version', receipt.domain.version, DOMAIN_VERSION);
    expectTrue(`types.EIP712Domain is not the documented ${JSON.stringify(EIP712_DOMAIN_TYPE)}`, sameTypes(receipt.types.EIP712Domain, EIP712_DOMAIN_TYPE));
    expectTrue(`types.JobReceipt is not the documented ${JSON.stringify(JOB_RECEIPT_TYPE)}`, sameTypes(receipt.types.JobReceipt, JOB_RECEIPT_TYPE));
    expectEqual("the receipt's jobId", receipt.message.jobId, job.jobId);
    if (job.backend !== null) expectEqual("the receipt's backend", receipt.message.backend, job.backend);
    if (attestation) expectEqual("the receipt's quoteHash (the attestation's quote hash)", receipt.message.quoteHash, attestation.quoteHash);
    return `JobReceipt with the documented domain and types for job ${job.jobId}${attestation ? ', quote hash = the attested quote' : ''}`;
  });

  await check('ethers: receipt digest', async () => {
    expectEqual("the JSON's receiptDigest (EIP-712 digest recomputed here)", job.receiptDigest, digest);
    expectEqual("the proof's leaf (the receipt digest)", job.proof.digest, digest);
    const onChain = await registry.hashReceipt(receipt.message);
    expectEqual("the registry's hashReceipt(receipt)", onChain, digest);
    return `TypedDataEncoder.hash = receiptDigest = proof leaf = registry hashReceipt = ${digest}`;
  });

  await check('ethers: receipt signature', async () => {
    const signature = ethers.getBytes(receipt.signature);
    expectEqual('signature length', signature.length, 65);
    expectTrue(`signature v is ${signature[64]}, expected 27 or 28`, signature[64] === 27 || signature[64] === 28);
    const recovered = ethers.verifyTypedData(domain, types, receipt.message, receipt.signature);
    if (recovered !== signer) throw new Mismatch(`the EIP-712 signature recovers ${recovered}, not the node ${signer}`);
    if (attestation) expectEqual("the attested node address", attestation.node, signer);
    return `verifyTypedData recovers the node ${signer}`;
  });

  await check('ethers: node registered', async () => {
    node = await registry.getNode(signer);
    expectTrue(`${signer} is not registered in ${options.registry} (getNode: registeredAt 0)`, node.registeredAt > 0n);
    expectTrue(`${signer} is registered but not active`, node.active);
    expectTrue(`${signer} is retired (at ${node.retiredAt}, successor ${node.successor})`, !node.retired);
    expectTrue(`isActive(${signer}) is false`, await registry.isActive(signer));
    expectTrue(`its epoch is ${node.epoch}`, node.epoch >= 1n);
    expectTrue('its operator is the zero address', node.operator !== ethers.ZeroAddress);
    const teeName = TEE_TYPES.get(node.teeType);
    expectTrue(`its teeType ${node.teeType} is neither 1 (TDX) nor 2 (emulated TDX)`, teeName !== undefined);
    if (job.teeType !== null) expectEqual("the registered teeType's name vs the JSON's teeType", teeName, job.teeType);
    if (attestation) expectEqual("the registered teeType's name vs the attestation's teeType", teeName, attestation.teeType);
    expectEqual('its quoteHash vs the receipt', node.quoteHash, receipt.message.quoteHash);
    if (attestation) expectEqual('its hpkePublicKey vs the attestation', node.hpkePublicKey, attestation.hpkePublicKey);
    const problem = endpointProblem(node.endpoint);
    expectTrue(`its endpoint '${node.endpoint}' ${problem}`, problem === null);
    if (options.endpoint) expectEqual('its endpoint', node.endpoint.replace(/\/$/, ''), options.endpoint.replace(/\/$/, ''));
    const gpu = attestation ? attestation.gpu : job.gpu;
    if (gpu === null) expectEqual('its attestationDigest (a node without GPU evidence: the quote hash)', node.attestationDigest, node.quoteHash);
    return `active, epoch ${node.epoch}, operator ${node.operator}, teeType ${node.teeType} (${teeName}), quote hash = the receipt's` +
      `${attestation ? ', HPKE key = the attestation\'s' : ''}, endpoint ${node.endpoint}${gpu === null ? ', attestationDigest = quote hash (no GPU evidence)' : ''}`;
  });

  await check('ethers: NodeRegistered event', async () => {
    const event = registryAbi.getEvent('NodeRegistered');
    const logs = await provider.getLogs({ address: options.registry, topics: [event.topicHash, ethers.zeroPadValue(signer, 32)], fromBlock: options.fromBlock, toBlock: 'latest' });
    expectTrue(`no NodeRegistered(${signer}) log of ${options.registry} from block ${options.fromBlock}`, logs.length > 0);
    const log = logs[logs.length - 1];
    const parsed = registryAbi.parseLog(log);
    node ??= await registry.getNode(signer);
    for (const field of ['hpkePublicKey', 'endpoint', 'teeType', 'quoteHash', 'mrtdHash', 'rtmrDigest', 'reportDataHash']) {
      expectEqual(`the event's ${field} vs getNode`, parsed.args[field], node[field]);
    }
    expectEqual("the event's operator vs getNode", parsed.args.operator, node.operator);
    const tx = await provider.getTransactionReceipt(log.transactionHash);
    expectEqual('the registration transaction status', tx.status, 1);
    return `in block ${log.blockNumber}, transaction ${log.transactionHash}: HPKE key, endpoint, teeType and the quote, MRTD, RTMR and report-data hashes equal the record`;
  });

  await check('ethers: Merkle proof', async () => {
    const leaf = leafHash(digest);
    expectEqual("the registry's leafHash(digest)", await registry.leafHash(digest), leaf);
    const folded = foldProof(digest, job.proof.siblings);
    expectEqual(`the root folded from keccak256(0x00 ‖ digest) and ${job.proof.siblings.length} sibling(s)`, folded, root);
    if (job.inclusion) expectEqual("the inclusion's batchRoot", job.inclusion.batchRoot, root);
    expectEqual("the registry's processProof(proof, digest)", await registry.processProof(job.proof.siblings, digest), root);
    return `leaf ${leaf} with ${job.proof.siblings.length} sibling(s) folds to ${root} (here and in processProof)`;
  });

  await check('ethers: batch node', async () => {
    let current = signer;
    const path = [signer];
    while (current !== batchNode) {
      expectTrue(`the batch node ${batchNode} is not ${signer} nor reached from it by at most ${MAX_SUCCESSION_DEPTH} successor links (${path.join(' -> ')})`, path.length <= MAX_SUCCESSION_DEPTH);
      const record = await registry.getNode(current);
      if (record.successor === ethers.ZeroAddress) throw new Mismatch(`the batch node ${batchNode} is not ${signer} nor a successor of it (${path.join(' -> ')} has no successor)`);
      current = record.successor;
      path.push(current);
    }
    return batchNode === signer ? `the batch is the signer's own (${signer})` : `the batch node is the signer's successor (${path.join(' -> ')})`;
  });

  await check('ethers: posted batch', async () => {
    if (job.inclusion) expectEqual("the inclusion's batchIndex vs the proof's", job.inclusion.batchIndex, batchIndex);
    const count = await registry.batchCount(batchNode);
    expectTrue(`${batchNode} has ${count} batch(es): no batch ${batchIndex}`, batchIndex < count);
    batch = await registry.getBatch(batchNode, batchIndex);
    expectEqual(`getBatch(${batchNode}, ${batchIndex}).root`, batch.root, root);
    expectTrue(`the batch's count is ${batch.count}`, batch.count >= 1n);
    expectTrue(`the proof has ${job.proof.siblings.length} siblings, more than a tree of ${batch.count} leaves is deep`, job.proof.siblings.length <= treeDepth(batch.count));
    expectTrue('the batch has no postedAt', batch.postedAt > 0n);
    return `batch ${batchIndex} of ${batchNode}: root ${batch.root}, ${batch.count} receipt(s), posted at ${batch.postedAt}`;
  });

  await check('ethers: batch transaction', async () => {
    expectTrue("the JSON has no 'inclusion' (the batch transaction)", job.inclusion !== null);
    const tx = await provider.getTransactionReceipt(job.inclusion.transactionHash);
    expectTrue(`the chain has no receipt for transaction ${job.inclusion.transactionHash}`, tx !== null);
    expectEqual('its status', tx.status, 1);
    expectEqual('its block number', tx.blockNumber, job.inclusion.blockNumber);
    expectEqual('its recipient', tx.to, options.registry);
    const block = await provider.getBlock(tx.blockNumber);
    expectEqual(`the canonical block ${tx.blockNumber}'s hash`, block.hash, tx.blockHash);
    const posted = tx.logs
      .filter((l) => ethers.getAddress(l.address) === options.registry)
      .map((l) => registryAbi.parseLog(l))
      .filter((l) => l?.name === 'BatchPosted');
    expectTrue('the transaction emitted no BatchPosted event', posted.length > 0);
    const mine = posted.filter((l) => l.args.node === batchNode && l.args.batchIndex === batchIndex);
    expectTrue(`no BatchPosted(${batchNode}, ${batchIndex}) among its ${posted.length} BatchPosted event(s)`, mine.length === 1);
    expectEqual("BatchPosted's root", mine[0].args.root, root);
    if (batch) expectEqual("BatchPosted's count vs getBatch", mine[0].args.count, batch.count);
    return `transaction ${tx.hash} (status 1, block ${tx.blockNumber}, to the registry) emitted BatchPosted(${batchNode}, ${batchIndex}, ${root}, ${mine[0].args.count})`;
  });

  await check('ethers: verifyReceipt', async () => {
    const ok = await registry.verifyReceipt(signer, receipt.message, receipt.signature, { batchNode, batchIndex, proof: job.proof.siblings });
    expectTrue("the registry's verifyReceipt(node, receipt, signature, inclusion) returned false", ok === true);
    return "the registry's verifyReceipt returns true";
  });

  // ---- cast (the same facts through another client: its own ABI coder, signature recovery and JSON-RPC)
  const fragment = (name) => registryAbi.getFunction(name);
  const castSignature = (name) => {
    const f = fragment(name);
    return `${f.format('sighash')}(${f.outputs.map((o) => o.format('sighash')).join(',')})`;
  };

  await check('cast: chain', async () => {
    const { stdout } = await cast.run(['chain-id'], { rpc: true });
    expectEqual('cast chain-id', BigInt(stdout), chainId);
    const code = await cast.run(['code', options.registry], { rpc: true });
    expectTrue(`cast code ${options.registry} is empty`, code.stdout !== '0x');
    expectEqual('cast code vs eth_getCode through ethers', code.stdout, await provider.getCode(options.registry));
    return `chain ${chainId}; the registry's code (${(code.stdout.length - 2) / 2} bytes) is the one ethers read`;
  });

  await check('cast: node record', async () => {
    const f = fragment('getNode');
    const raw = await cast.run(['call', options.registry, f.format('sighash'), signer], { rpc: true });
    const [decoded] = await cast.json(['abi-decode', castSignature('getNode'), raw.stdout]);
    const names = f.outputs[0].components.map((c) => c.name);
    expectEqual('the number of getNode fields cast decoded', decoded.length, names.length);
    const record = Object.fromEntries(names.map((n, i) => [n, decoded[i]]));
    const reference = node ?? await registry.getNode(signer);
    for (const n of names) expectEqual(`cast's getNode ${n} vs ethers'`, typeof record[n] === 'boolean' ? String(record[n]) : record[n], typeof reference[n] === 'boolean' ? String(reference[n]) : reference[n]);
    expectTrue(`cast: ${signer} is not active (${record.registeredAt ? 'registered' : 'not registered'})`, record.active === true && BigInt(record.registeredAt) > 0n);
    expectEqual("cast's quoteHash vs the receipt", record.quoteHash, receipt.message.quoteHash);
    if (attestation) expectEqual("cast's hpkePublicKey vs the attestation", record.hpkePublicKey, attestation.hpkePublicKey);
    const active = await cast.json(['call', options.registry, castSignature('isActive'), signer], { rpc: true });
    expectTrue('cast call isActive returned false', active[0] === true);
    return `cast call getNode + cast abi-decode: all ${names.length} fields equal ethers' (active, teeType ${record.teeType}, quote hash = the receipt's, endpoint ${record.endpoint}); isActive true`;
  });

  await check('cast: receipt signature', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'verify-onchain-'));
    try {
      const typed = path.join(dir, 'receipt-typed-data.json');
      writeFileSync(typed, JSON.stringify({
        types: { EIP712Domain: EIP712_DOMAIN_TYPE, JobReceipt: JOB_RECEIPT_TYPE },
        primaryType: 'JobReceipt',
        domain: { name: DOMAIN_NAME, version: DOMAIN_VERSION, chainId: Number(chainId), verifyingContract: options.registry },
        message: { ...receipt.message, finishedAt: Number(receipt.message.finishedAt) },
      }));
      const verify = await cast.run(['wallet', 'verify', '--address', signer, '--data', '--from-file', typed, receipt.signature], { allowFailure: true });
      if (!verify.ok) throw new Mismatch(`cast wallet verify --data: ${verify.stderr.split('\n').pop() || 'the node did not sign this receipt'}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const r = receipt.message;
    const tuple = castValue(fragment('hashReceipt').inputs[0], [r.jobId, r.modelHash, r.inputHash, r.outputHash, r.quoteHash, r.finishedAt, r.backend]);
    const [onChain] = await cast.json(['call', options.registry, castSignature('hashReceipt'), tuple], { rpc: true });
    expectEqual("cast call hashReceipt(receipt)", onChain, digest);
    return `cast wallet verify --data: the node ${signer} signed the receipt; cast call hashReceipt = ${digest}`;
  });

  await check('cast: Merkle proof', async () => {
    const keccak = async (hex) => (await cast.run(['keccak', hex])).stdout.toLowerCase();
    let h = await keccak(ethers.concat([LEAF_PREFIX, digest]));
    expectEqual('cast keccak 0x00 ‖ digest', h, leafHash(digest));
    for (const p of job.proof.siblings) {
      const [low, high] = BigInt(h) <= BigInt(p) ? [h, p] : [p, h];
      h = await keccak(ethers.concat([INNER_PREFIX, low, high]));
    }
    expectEqual('the root folded with cast keccak', h, root);
    // getBatch returns one struct: cast prints it as a one-element array holding the tuple.
    const [[getBatchRoot, getBatchCount]] = await cast.json(['call', options.registry, castSignature('getBatch'), batchNode, batchIndex.toString()], { rpc: true });
    expectEqual(`cast call getBatch(${batchNode}, ${batchIndex}) root`, getBatchRoot, root);
    return `cast keccak folds the leaf and ${job.proof.siblings.length} sibling(s) to ${root} = cast call getBatch root (${getBatchCount} receipt(s))`;
  });

  await check('cast: batch transaction', async () => {
    expectTrue("the JSON has no 'inclusion' (the batch transaction)", job.inclusion !== null);
    const tx = await cast.json(['receipt', job.inclusion.transactionHash], { rpc: true });
    expectEqual('cast receipt status', BigInt(tx.status), 1n);
    expectEqual('cast receipt blockNumber', BigInt(tx.blockNumber), job.inclusion.blockNumber);
    expectEqual('cast receipt to', requireAddress(tx.to, 'cast receipt to'), options.registry);
    const event = registryAbi.getEvent('BatchPosted');
    const eventSignature = `${event.name}(${event.inputs.map((i) => i.type + (i.indexed ? ' indexed' : '')).join(',')})`;
    const topic0 = (await cast.run(['sig-event', eventSignature])).stdout.toLowerCase();
    expectEqual(`cast sig-event ${eventSignature}`, topic0, event.topicHash);
    const block = job.inclusion.blockNumber.toString();
    const logs = await cast.json(['logs', '--from-block', block, '--to-block', block, '--address', options.registry, eventSignature, batchNode, batchIndex.toString()], { rpc: true });
    const inTx = logs.filter((l) => l.transactionHash.toLowerCase() === job.inclusion.transactionHash);
    expectTrue(`cast logs: no BatchPosted(${batchNode}, ${batchIndex}) in block ${block} from transaction ${job.inclusion.transactionHash}`, inTx.length === 1);
    const receiptLogs = tx.logs.filter((l) => l.logIndex === inTx[0].logIndex);
    expectTrue('cast receipt does not list the log cast logs found', receiptLogs.length === 1 && receiptLogs[0].data === inTx[0].data);
    const [t0, nodeTopic, indexTopic] = inTx[0].topics;
    expectEqual('its topic0', t0, event.topicHash);
    expectEqual('its node topic', ethers.getAddress(ethers.dataSlice(nodeTopic, 12)), batchNode);
    expectEqual('its batchIndex topic', BigInt(indexTopic), batchIndex);
    const [eventRoot, eventCount] = await cast.json(['abi-decode', 'BatchPosted()(bytes32,uint32)', inTx[0].data]);
    expectEqual("BatchPosted's root (cast abi-decode)", eventRoot, root);
    if (batch) expectEqual("BatchPosted's count vs getBatch", BigInt(eventCount), batch.count);
    return `cast receipt (status 1, block ${block}, to the registry) + cast logs: BatchPosted(${batchNode}, ${batchIndex}) with root ${eventRoot}, count ${eventCount}`;
  });

  await check('cast: verifyReceipt', async () => {
    const f = fragment('verifyReceipt');
    const r = receipt.message;
    const args = [
      signer,
      castValue(f.inputs[1], [r.jobId, r.modelHash, r.inputHash, r.outputHash, r.quoteHash, r.finishedAt, r.backend]),
      receipt.signature,
      castValue(f.inputs[3], [batchNode, batchIndex, job.proof.siblings]),
    ];
    const [ok] = await cast.json(['call', options.registry, castSignature('verifyReceipt'), ...args], { rpc: true });
    expectTrue('cast call verifyReceipt returned false', ok === true);
    return 'cast call verifyReceipt returns true';
  });
}

try {
  await main();
} catch (e) {
  if (e instanceof UsageError) {
    console.error(`verify-onchain: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
const failed = results.filter((r) => !r.ok);
console.log(`${results.length - failed.length} checks passed, ${failed.length} failed`);
if (failed.length > 0) {
  for (const f of failed) console.error(`verify-onchain: MISMATCH ${f.name}: ${f.reason}`);
  process.exit(1);
}
