// Verifiable presentations with the JavaScript reference stack (@digitalbazaar/vc 7
// signPresentation / verify, data-integrity, eddsa-rdfc-2022 and ecdsa-rdfc-2019, did:key):
// it verifies the presentations mcbadge signed (and must refuse a tampered copy and a wrong
// challenge), and signs presentations of its own for mcbadge to verify.
//
//   node bench/js/interop_vp.mjs WORKLOAD.json OUT.json
//
// WORKLOAD.json (written by tests/interop/test_js_presentations.py):
//   {challenge, domain,
//    holders: {ed25519: keyInfo, p256: keyInfo},        keyInfo = {did, vm, publicKeyMultibase,
//                                                                  secretKeyMultibase}
//    credentials: {ed25519: [signed VC...], p256: [...]}  credentials issued to each holder
//    mcbadge: {suite: {good: VP, tampered: VP}}}         presentations mcbadge signed
// OUT.json: {verdicts: [{suite, case, verified, error}], signed: {suite: VP}, versions}
//
// The document loader serves ONLY the contexts bundled in src/mcbadge/jsonld/contexts and
// did:key documents; any other URL is an error. Nothing here opens a socket.

import {readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {cryptosuite as ecdsaRdfc2019} from
  '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTEXTS = join(HERE, '..', '..', 'src', 'mcbadge', 'jsonld', 'contexts');
const index = JSON.parse(readFileSync(join(CONTEXTS, 'index.json'), 'utf8'));
const didKeyDriver = didKeyDriverFactory();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKeyDriver.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});

async function documentLoader(url) {
  if(typeof url === 'string' && url.startsWith('did:key:')) {
    const document = await didKeyDriver.get({url});
    return {contextUrl: null, documentUrl: url, document};
  }
  const file = Object.hasOwn(index, url) ? index[url] : undefined;
  if(file === undefined) {
    throw new Error(`offline loader: ${url} is not a bundled context or a did:key`);
  }
  const document = JSON.parse(readFileSync(join(CONTEXTS, file), 'utf8'));
  return {contextUrl: null, documentUrl: url, document};
}

const checkStatus = async () => ({verified: true});
const SUITES = {
  'eddsa-rdfc-2022': {cryptosuite: eddsaRdfc2022, key: 'ed25519', multikey: Ed25519Multikey},
  'ecdsa-rdfc-2019': {cryptosuite: ecdsaRdfc2019, key: 'p256', multikey: EcdsaMultikey}
};

function verifierSuites() {
  // the presentation and the credentials inside may use either suite
  return [
    new DataIntegrityProof({cryptosuite: eddsaRdfc2022}),
    new DataIntegrityProof({cryptosuite: ecdsaRdfc2019})
  ];
}

function firstError(result) {
  const errors = [];
  const walk = value => {
    if(!value) {
      return;
    }
    if(value instanceof Error) {
      errors.push(value.message);
      return;
    }
    if(Array.isArray(value)) {
      value.forEach(walk);
      return;
    }
    if(typeof value === 'object') {
      walk(value.error);
      walk(value.errors);
      walk(value.results);
      walk(value.presentationResult);
      walk(value.credentialResults);
    }
  };
  walk(result);
  return errors.length ? errors[0] : 'not verified';
}

async function verdict(presentation, challenge, domain) {
  try {
    const result = await vc.verify({
      presentation, suite: verifierSuites(), challenge, domain, documentLoader, checkStatus
    });
    return {verified: result.verified === true, error: result.verified ? null : firstError(result)};
  } catch(e) {
    return {verified: false, error: e.message};
  }
}

async function main() {
  const [workloadPath, outPath] = process.argv.slice(2);
  const workload = JSON.parse(readFileSync(workloadPath, 'utf8'));
  const {challenge, domain} = workload;
  const verdicts = [];
  for(const [suite, cases] of Object.entries(workload.mcbadge)) {
    verdicts.push({suite, case: 'good', ...await verdict(cases.good, challenge, domain)});
    verdicts.push({suite, case: 'tampered', ...await verdict(cases.tampered, challenge, domain)});
    verdicts.push({
      suite, case: 'wrong challenge',
      ...await verdict(cases.good, `${challenge}-not-this-one`, domain)
    });
  }
  const signed = {};
  for(const [suite, {cryptosuite, key, multikey}] of Object.entries(SUITES)) {
    const info = workload.holders[key];
    const keyPair = await multikey.from({
      '@context': 'https://w3id.org/security/multikey/v1',
      type: 'Multikey',
      id: info.vm,
      controller: info.did,
      publicKeyMultibase: info.publicKeyMultibase,
      secretKeyMultibase: info.secretKeyMultibase
    });
    const presentation = vc.createPresentation({
      verifiableCredential: workload.credentials[key], holder: info.did, version: 2.0
    });
    const proofSuite = new DataIntegrityProof({signer: keyPair.signer(), cryptosuite});
    signed[suite] = await vc.signPresentation({
      presentation, suite: proofSuite, challenge, domain, documentLoader
    });
  }
  const versions = {};
  for(const name of ['@digitalbazaar/vc', '@digitalbazaar/data-integrity']) {
    const pkg = join(HERE, 'node_modules', name, 'package.json');
    versions[name] = JSON.parse(readFileSync(pkg, 'utf8')).version;
  }
  writeFileSync(outPath, JSON.stringify({verdicts, signed, versions}));
}

main().catch(e => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
