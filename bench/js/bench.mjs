// The JavaScript reference stack (@digitalbazaar/vc 7, data-integrity, eddsa-rdfc-2022 and
// ecdsa-rdfc-2019 cryptosuites, did:key, jose for VC-JWT) measured on mcbadge's benchmark
// credentials, and cross-verification with mcbadge.
//
//   node bench/js/bench.mjs WORKLOAD.json OUT.json [--count-di N] [--count-jwt N] [--runs N]
//                                                 [--interop-only]
//   node bench/js/bench.mjs --folder DIR FORMAT OUT.json
//
// WORKLOAD.json is written by bench/js_reference.py: fixed test keys, the unsigned credentials
// (bench/_fixtures.py: "realistic" and "spec complete"), and credentials mcbadge signed (plus
// tampered copies, which must NOT verify). OUT.json gets the versions, the timing rows (median
// of --runs runs of --count-* sequential calls, one process, after a warm-up), the verdicts on
// mcbadge's credentials, and the credentials this stack signed (for mcbadge to verify).
//
// The document loader serves ONLY the contexts bundled in src/mcbadge/jsonld/contexts (exact
// URL match through its index.json) and resolves did:key through @digitalbazaar/did-method-key;
// any other URL is an error. Nothing here opens a socket.

import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createPublicKey, createPrivateKey} from 'node:crypto';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {performance} from 'node:perf_hooks';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';
import {SignJWT, jwtVerify, decodeProtectedHeader} from 'jose';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXTS = join(HERE, '..', '..', 'src', 'mcbadge', 'jsonld', 'contexts');
const PACKAGES = [
  '@digitalbazaar/vc', '@digitalbazaar/data-integrity',
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite',
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite',
  '@digitalbazaar/ed25519-multikey', '@digitalbazaar/ecdsa-multikey',
  '@digitalbazaar/did-method-key', 'jsonld', 'rdf-canonize',
  'jsonld-signatures', 'jose'
];

// ---- document loader: bundled contexts + did:key, nothing else ------------------------------
const index = JSON.parse(readFileSync(join(CONTEXTS, 'index.json'), 'utf8'));
const contextCache = new Map();
const didKeyDriver = didKeyDriverFactory();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKeyDriver.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});
const loaded = new Set();

async function documentLoader(url) {
  if(typeof url === 'string' && url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  const file = Object.hasOwn(index, url) ? index[url] : undefined;
  if(file === undefined) {
    throw new Error(`offline loader: ${url} is not a bundled context or a did:key`);
  }
  let document = contextCache.get(url);
  if(document === undefined) {
    document = JSON.parse(readFileSync(join(CONTEXTS, file), 'utf8'));
    contextCache.set(url, document);
  }
  loaded.add(url);
  return {contextUrl: null, documentUrl: url, document};
}

// status is out of scope (like mcbadge.proofs.verify_proof): vc.verifyCredential insists on a
// checkStatus function when the credential has credentialStatus
const checkStatus = async () => ({verified: true});

// ---- Data Integrity --------------------------------------------------------------------------
const SUITES = {
  'eddsa-rdfc-2022': {cryptosuite: eddsaRdfc2022, key: 'ed25519', multikey: Ed25519Multikey},
  'ecdsa-rdfc-2019': {cryptosuite: ecdsaRdfc2019, key: 'p256', multikey: EcdsaMultikey}
};

async function keyPairFor(keyInfo, multikey) {
  return multikey.from({
    '@context': 'https://w3id.org/security/multikey/v1',
    type: 'Multikey',
    id: keyInfo.vm,
    controller: keyInfo.did,
    publicKeyMultibase: keyInfo.publicKeyMultibase,
    secretKeyMultibase: keyInfo.secretKeyMultibase
  });
}

function diIssuer(format, keyPair, date) {
  const {cryptosuite} = SUITES[format];
  return async credential => {
    // a fresh suite per credential (it carries the proof date), a shallow copy of the input
    // (vc.issue adds `proof` to the object it is given)
    const suite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite, date});
    return vc.issue({credential: {...credential}, suite, documentLoader});
  };
}

function diVerifier(format) {
  const {cryptosuite} = SUITES[format];
  return async credential => {
    const suite = new DataIntegrityProof({cryptosuite});
    return vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  };
}

// ---- VC-JWT (VCDM 2.0 form: the credential is the payload) with jose -------------------------
function issuerId(credential) {
  const issuer = credential.issuer;
  return typeof issuer === 'string' ? issuer : issuer?.id;
}

function epoch(value) {
  return Math.floor(Date.parse(value) / 1000);
}

function jwtIssuer(keyInfo) {
  const privateKey = createPrivateKey({key: keyInfo.privateJwk, format: 'jwk'});
  return async credential => {
    const claims = {iss: issuerId(credential)};
    if(typeof credential.id === 'string') {
      claims.jti = credential.id;
    }
    if(typeof credential.credentialSubject?.id === 'string') {
      claims.sub = credential.credentialSubject.id;
    }
    if(credential.validFrom) {
      claims.nbf = epoch(credential.validFrom);
    }
    if(credential.validUntil) {
      claims.exp = epoch(credential.validUntil);
    }
    const {proof, ...rest} = credential;
    return new SignJWT({...rest, ...claims})
      .setProtectedHeader({alg: 'EdDSA', typ: 'JWT', kid: keyInfo.vm})
      .sign(privateKey);
  };
}

// resolve the kid through did:key (per token, as a verifier does), bind it to the issuer
async function jwtKey(header, token) {
  const kid = header.kid;
  if(typeof kid !== 'string' || !kid.startsWith('did:key:') || !kid.includes('#')) {
    throw new Error('the JWT kid is not a did:key verification method');
  }
  const method = await didKeyDriver.get({url: kid});
  const pair = await Ed25519Multikey.from(method);
  const jwk = await Ed25519Multikey.toJwk({keyPair: pair});
  return {key: createPublicKey({key: jwk, format: 'jwk'}), controller: method.controller};
}

async function jwtVerifyCredential(token) {
  let controller;
  const {payload} = await jwtVerify(token, async (header, t) => {
    const found = await jwtKey(header, t);
    controller = found.controller;
    return found.key;
  }, {algorithms: ['EdDSA']});
  if(payload.iss !== issuerId(payload) || controller !== payload.iss) {
    throw new Error('the JWT issuer is not the key controller');
  }
  return {verified: true, payload};
}

// ---- timing ----------------------------------------------------------------------------------
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function rate(action, count, runs) {
  for(let i = 0; i < Math.max(3, Math.floor(count / 5)); ++i) {
    await action();
  }
  const rates = [];
  for(let r = 0; r < runs; ++r) {
    const started = performance.now();
    for(let i = 0; i < count; ++i) {
      await action();
    }
    rates.push(count / ((performance.now() - started) / 1000));
  }
  return {rate: median(rates), rates};
}

function row(name, format, credential, measured, runs, count) {
  return {
    name, format, credential,
    per_second: Math.round(measured.rate * 10) / 10,
    ms_each: Math.round(1e6 / measured.rate) / 1000,
    runs, count,
    rates: measured.rates
  };
}

// ---- a folder, as `mcbadge verify DIR` does (bench/cli_vs_js.py) ----------------------------
// Every file of DIR (*.json: a Data Integrity credential; *.jwt: a VC-JWT) read and verified
// in turn, in this one process; OUT.json gets the counts and the in-process seconds.
async function verifyFolder(directory, format, out) {
  const verify = format === 'jwt EdDSA' ? jwtVerifyCredential : diVerifier(format);
  const names = readdirSync(directory).filter(n => n.endsWith('.json') || n.endsWith('.jwt'));
  names.sort();
  const started = performance.now();
  let verified = 0;
  const errors = [];
  for(const name of names) {
    const text = readFileSync(join(directory, name), 'utf8');
    const input = name.endsWith('.jwt') ? text.trim() : JSON.parse(text);
    const result = await verdict(() => verify(input));
    if(result.verified) {
      verified += 1;
    } else if(errors.length < 3) {
      errors.push(result.error);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(out, JSON.stringify(
    {files: names.length, verified, errors, seconds, versions: versions()}));
}

// ---- main ------------------------------------------------------------------------------------
function options(argv) {
  const found = {countDi: 100, countJwt: 1000, runs: 5, interopOnly: false, files: [],
    folder: null};
  for(let i = 0; i < argv.length; ++i) {
    const arg = argv[i];
    if(arg === '--count-di') {
      found.countDi = Number(argv[++i]);
    } else if(arg === '--count-jwt') {
      found.countJwt = Number(argv[++i]);
    } else if(arg === '--runs') {
      found.runs = Number(argv[++i]);
    } else if(arg === '--interop-only') {
      found.interopOnly = true;
    } else if(arg === '--folder') {
      found.folder = {directory: argv[++i], format: argv[++i]};
    } else {
      found.files.push(arg);
    }
  }
  if(found.folder !== null && found.files.length === 1) {
    return found;
  }
  if(found.files.length !== 2) {
    throw new Error('usage: bench.mjs WORKLOAD.json OUT.json [options]');
  }
  return found;
}

function versions() {
  const lock = JSON.parse(readFileSync(join(HERE, 'package-lock.json'), 'utf8'));
  const result = {node: process.version};
  for(const name of PACKAGES) {
    result[name] = lock.packages[`node_modules/${name}`]?.version ?? null;
  }
  return result;
}

async function verdict(action) {
  try {
    const result = await action();
    return {verified: result.verified === true,
      error: result.verified ? null : String(result.error?.errors?.[0]?.message ??
        result.error?.message ?? result.error ?? 'not verified')};
  } catch(e) {
    return {verified: false, error: String(e?.message ?? e)};
  }
}

async function main() {
  const opts = options(process.argv.slice(2));
  if(opts.folder !== null) {
    return verifyFolder(opts.folder.directory, opts.folder.format, opts.files[0]);
  }
  const workload = JSON.parse(readFileSync(opts.files[0], 'utf8'));
  const keys = workload.keys;
  const rows = [];
  const interop = [];
  const jsSigned = {};

  const issuers = {};
  for(const [format, {key, multikey}] of Object.entries(SUITES)) {
    issuers[format] = diIssuer(format, await keyPairFor(keys[key], multikey));
  }
  issuers['jwt EdDSA'] = jwtIssuer(keys.ed25519);
  const verifiers = {
    'eddsa-rdfc-2022': diVerifier('eddsa-rdfc-2022'),
    'ecdsa-rdfc-2019': diVerifier('ecdsa-rdfc-2019'),
    'jwt EdDSA': jwtVerifyCredential
  };
  const keyOf = {'eddsa-rdfc-2022': 'ed25519', 'ecdsa-rdfc-2019': 'p256', 'jwt EdDSA': 'ed25519'};

  // sign every credential once; check our own signatures first
  for(const format of Object.keys(issuers)) {
    jsSigned[format] = {};
    for(const [which, byKey] of Object.entries(workload.credentials)) {
      const signed = await issuers[format](byKey[keyOf[format]]);
      const check = await verdict(() => verifiers[format](signed));
      if(!check.verified) {
        throw new Error(`the JS stack cannot verify its own ${format} ${which}: ${check.error}`);
      }
      jsSigned[format][which] = signed;
    }
  }

  // interop: mcbadge's credentials (must verify) and tampered copies (must not)
  for(const [kind, expected] of [['mcbadge_signed', true], ['mcbadge_tampered', false]]) {
    for(const [format, byCredential] of Object.entries(workload[kind] ?? {})) {
      for(const [which, signed] of Object.entries(byCredential)) {
        const result = verifiers[format] ? await verdict(() => verifiers[format](signed)) :
          {verified: null, error: 'no verifier for this format in the JS stack'};
        interop.push({direction: 'JS verifies mcbadge', format, credential: which,
          tampered: !expected, ...result});
      }
    }
  }

  // Ed25519 and VC-JWT EdDSA are deterministic: the same credential, key and proof date must
  // give byte-identical proofValues / tokens in both stacks (same canonical form, same bytes)
  const identical = [];
  const fixed = workload.mcbadge_fixed_date;
  if(fixed) {
    const ed = await keyPairFor(keys.ed25519, Ed25519Multikey);
    const fixedIssuer = diIssuer('eddsa-rdfc-2022', ed, fixed.created);
    for(const [which, theirs] of Object.entries(fixed['eddsa-rdfc-2022'])) {
      const ours = await fixedIssuer(workload.credentials[which].ed25519);
      identical.push({format: 'eddsa-rdfc-2022', credential: which,
        identical: ours.proof.proofValue === theirs.proof.proofValue &&
          ours.proof.created === theirs.proof.created});
    }
    for(const [which, theirs] of Object.entries(workload.mcbadge_signed['jwt EdDSA'])) {
      // same JSON after parsing: Python writes 42.0 where JSON.stringify writes 42
      const payload = t => JSON.stringify(
        JSON.parse(Buffer.from(t.split('.')[1], 'base64url').toString('utf8')));
      const ours = jsSigned['jwt EdDSA'][which];
      identical.push({format: 'jwt EdDSA', credential: which, identical: ours === theirs,
        same_header: ours.split('.')[0] === theirs.split('.')[0],
        same_json: payload(ours) === payload(theirs)});
    }
  }

  if(!opts.interopOnly) {
    for(const [which, byKey] of Object.entries(workload.credentials)) {
      for(const format of Object.keys(issuers)) {
        const jwt = format.startsWith('jwt');
        const count = Math.max(1, jwt ? opts.countJwt :
          which === 'realistic' ? opts.countDi : Math.floor(opts.countDi / 2));
        const credential = byKey[keyOf[format]];
        const signed = jsSigned[format][which];
        const issue = () => issuers[format](credential);
        const verify = async () => {
          const result = await verifiers[format](signed);
          if(!result.verified) {
            throw new Error(`${format} ${which} did not verify during timing`);
          }
        };
        rows.push(row('issue', format, which, await rate(issue, count, opts.runs),
          opts.runs, count));
        rows.push(row('verify', format, which, await rate(verify, count, opts.runs),
          opts.runs, count));
      }
    }
  }

  writeFileSync(opts.files[1], JSON.stringify({
    versions: versions(), rows, interop, identical, js_signed: jsSigned,
    contexts_loaded: [...loaded].sort()
  }, null, 1));
}

main().catch(e => {
  console.error(e?.stack ?? String(e));
  process.exit(1);
});
