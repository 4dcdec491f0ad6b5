#!/usr/bin/env node
// Times @phala/dcap-qvl (pure JS) on one quote: full verifications and parse-only, N iterations each after a warm-up.
// usage: node dcap-qvl-bench.cjs <dcap-qvl module dir> <quote file> <collateral json> <unix time> <iterations>
// prints one JSON line: {"status":..., "advisoryIds":[...], "verifyMs":..., "parseMs":...}
const fs = require('fs');
const [moduleDir, quoteFile, collateralFile, time, iterationsText] = process.argv.slice(2);
const qvl = require(moduleDir);
const quote = new Uint8Array(fs.readFileSync(quoteFile));
const collateral = JSON.parse(fs.readFileSync(collateralFile, 'utf8'));
const now = Number(time);
const iterations = Number(iterationsText);

const first = qvl.verify(quote, collateral, now);
for (let i = 0; i < Math.min(20, iterations); i++) { qvl.verify(quote, collateral, now); qvl.Quote.parse(quote); }

let start = process.hrtime.bigint();
for (let i = 0; i < iterations; i++) { qvl.verify(quote, collateral, now); }
const verifyMs = Number(process.hrtime.bigint() - start) / 1e6 / iterations;

start = process.hrtime.bigint();
for (let i = 0; i < iterations * 10; i++) { qvl.Quote.parse(quote); }
const parseMs = Number(process.hrtime.bigint() - start) / 1e6 / (iterations * 10);

console.log(JSON.stringify({ status: first.status, advisoryIds: first.advisory_ids, verifyMs, parseMs }));
