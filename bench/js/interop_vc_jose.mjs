// VC-JOSE-COSE (application/vc+jwt) interop between the JavaScript reference stack and mcbadge.
//
//   node bench/js/interop_vc_jose.mjs WORKLOAD.json OUT.json
//
// WORKLOAD.json is written by tests/interop/test_js_vc_jose.py: the fixed test keys (Ed25519
// and P-256, bench/js_reference.py), unsigned VCDM 2.0 credentials, and the vc+jwt tokens
// mcbadge signed (bare and as EnvelopedVerifiableCredential objects, each with a tampered copy
// that must NOT verify). This script
//   * signs every credential with jose's CompactSign: the JWS payload is the credential itself,
//     header {alg: EdDSA | ES256, typ: 'vc+jwt', cty: 'vc', kid: the issuer's did:key VM};
//   * verifies every mcbadge token the way a VC-JOSE-COSE verifier does: compactVerify with the
//     key the kid names (resolved through @digitalbazaar/did-method-key, never from the token),
//     typ vc+jwt, cty vc when present, no vc/vp claim, first @context VCDM 2.0, the kid's
//     controller and iss (when present) equal to the credential's issuer.
// Nothing here opens a socket.

import {readFileSync, writeFileSync} from 'node:fs';
import {createPublicKey, createPrivateKey} from 'node:crypto';

import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import {driver as didKeyDriverFactory} from '@digitalbazaar/did-method-key';
import {CompactSign, compactVerify} from 'jose';

const VCDM2 = 'https://www.w3.org/ns/credentials/v2';
const ALGS = {ed25519: 'EdDSA', p256: 'ES256'};
const MULTIKEY = {z6Mk: Ed25519Multikey, zDna: EcdsaMultikey};

const didKeyDriver = didKeyDriverFactory();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
didKeyDriver.use({multibaseMultikeyHeader: 'zDna', fromMultibase: EcdsaMultikey.from});

function issuerId(credential) {
  const issuer = credential.issuer;
  return typeof issuer === 'string' ? issuer : issuer?.id;
}

async function sign(credential, keyInfo, alg) {
  const {proof, ...unsecured} = credential;
  const privateKey = createPrivateKey({key: keyInfo.privateJwk, format: 'jwk'});
  return new CompactSign(new TextEncoder().encode(JSON.stringify(unsecured)))
    .setProtectedHeader({alg, typ: 'vc+jwt', cty: 'vc', kid: keyInfo.vm})
    .sign(privateKey);
}

function unwrap(envelope) {
  if(envelope?.type !== 'EnvelopedVerifiableCredential' ||
    typeof envelope.id !== 'string') {
    throw new Error('not an EnvelopedVerifiableCredential');
  }
  const prefix = 'data:application/vc+jwt,';
  if(!envelope.id.startsWith(prefix)) {
    throw new Error('the envelope is not a data:application/vc+jwt URL');
  }
  return envelope.id.slice(prefix.length);
}

async function keyFor(header) {
  const kid = header.kid;
  if(typeof kid !== 'string' || !kid.startsWith('did:key:') || !kid.includes('#')) {
    throw new Error('the kid is not a did:key verification method');
  }
  const method = await didKeyDriver.get({url: kid});
  const multikey = MULTIKEY[method.publicKeyMultibase.slice(0, 4)];
  if(!multikey) {
    throw new Error('unsupported did:key type');
  }
  const pair = await multikey.from(method);
  const jwk = await multikey.toJwk({keyPair: pair});
  return {key: createPublicKey({key: jwk, format: 'jwk'}), controller: method.controller};
}

async function verify(token) {
  let controller;
  const {payload, protectedHeader} = await compactVerify(token, async header => {
    const found = await keyFor(header);
    controller = found.controller;
    return found.key;
  }, {algorithms: ['EdDSA', 'ES256']});
  if(protectedHeader.typ !== 'vc+jwt') {
    throw new Error(`typ ${protectedHeader.typ} is not vc+jwt`);
  }
  if(protectedHeader.cty !== undefined && protectedHeader.cty !== 'vc') {
    throw new Error(`cty ${protectedHeader.cty} is not vc`);
  }
  const credential = JSON.parse(new TextDecoder().decode(payload));
  if('vc' in credential || 'vp' in credential) {
    throw new Error('a vc+jwt carries no vc/vp claim');
  }
  const context = credential['@context'];
  if((Array.isArray(context) ? context[0] : context) !== VCDM2) {
    throw new Error('the payload is not a VCDM 2.0 credential');
  }
  const issuer = issuerId(credential);
  if(controller !== issuer) {
    throw new Error('the kid is not a key of the issuer');
  }
  if(credential.iss !== undefined && credential.iss !== issuer) {
    throw new Error('iss is not the issuer');
  }
  if(typeof credential.exp === 'number' && credential.exp < Date.now() / 1000) {
    throw new Error('the JWT has expired');
  }
  return credential;
}

async function verdict(target, form) {
  try {
    const token = form === 'enveloped' ? unwrap(target) : target;
    await verify(token);
    return {verified: true, error: null};
  } catch(error) {
    return {verified: false, error: String(error?.message ?? error)};
  }
}

async function main() {
  const [workloadPath, outPath] = process.argv.slice(2);
  if(!workloadPath || !outPath) {
    throw new Error('usage: node interop_vc_jose.mjs WORKLOAD.json OUT.json');
  }
  const workload = JSON.parse(readFileSync(workloadPath, 'utf8'));
  const jsSigned = {};
  for(const [kind, alg] of Object.entries(ALGS)) {
    jsSigned[kind] = {};
    for(const [which, byKind] of Object.entries(workload.credentials)) {
      jsSigned[kind][which] = await sign(byKind[kind], workload.keys[kind], alg);
    }
  }
  const verdicts = [];
  for(const item of workload.mcbadge_signed) {
    verdicts.push({
      kind: item.kind, credential: item.credential, form: item.form,
      tampered: item.tampered, ...await verdict(item.signed, item.form)
    });
  }
  const versions = {
    jose: JSON.parse(readFileSync(
      new URL('./node_modules/jose/package.json', import.meta.url), 'utf8')).version
  };
  writeFileSync(outPath, JSON.stringify({versions, js_signed: jsSigned, verdicts}));
}

main().catch(error => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});
