import { X509Certificate } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { readAssertion, readResponseFacts } from '../src/federation/saml/assertion.ts';
import { checkAssertion } from '../src/federation/saml/checks.ts';
import { decodeSamlResponse, inspectEnvelope } from '../src/federation/saml/envelope.ts';
import { verifyEnvelopedSignature } from '../src/federation/saml/xmldsig.ts';
import { createTestIdp } from '../test/fixtures/saml/idp.ts';
import { integer, UsageError } from './options.ts';

/*
 * `npm run bench:saml-response`: the CPU one SAML response costs the ACS, step by step, in this process and
 * without I/O, on a response the samlify IdP signed (as in `npm run bench`: an assertion with three
 * attributes). Beside it, on the same response, node-saml's validatePostResponseAsync, the verifier the ACS
 * used before xmldsig.ts, configured as it was then.
 */
const USAGE = 'usage: npm run bench:saml-response -- [--iterations 2000]';
let iterations: number;
try {
  const { values } = parseArgs({ options: { iterations: { type: 'string', default: '2000' } } });
  iterations = integer(values.iterations, '--iterations', 10, 1_000_000);
} catch (error) {
  if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
  console.error(`${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}

const sp = { entityId: 'https://login.bench.test/saml/conn', acsUrl: 'https://login.bench.test/saml/conn/acs' };
const idp = createTestIdp({ entityId: 'https://idp.bench.test/metadata' });
const now = new Date();
const samlResponse = await idp.respond({
  sp, inResponseTo: '_request', now, nameId: 'user@bench.test',
  attributes: { email: 'user@bench.test', name: 'Bench User', groups: ['idp-editors', 'idp-other'] },
});
const keys = [new X509Certificate(idp.keys.certificatePem).publicKey];
const expected = { idpEntityId: idp.entityId, spEntityId: sp.entityId, acsUrl: sp.acsUrl, now, clockSkewSeconds: 60 };

const steps = {
  'decode (base64, caps)': 0,
  'envelope (parse, shape, algorithms)': 0,
  'signature (xmldsig.ts)': 0,
  'read the signed assertion (parse)': 0,
  'checks': 0,
};
const warmup = Math.min(200, iterations);
for (let i = 0; i < warmup + iterations; i++) {
  const started = process.cpuUsage();
  const marks: number[] = [];
  const mark = () => {
    const used = process.cpuUsage(started);
    marks.push((used.user + used.system) / 1000);
  };
  const xml = decodeSamlResponse(samlResponse);
  mark();
  const envelope = inspectEnvelope(xml, { allowSha1: false, canDecrypt: false });
  mark();
  const signed = verifyEnvelopedSignature(envelope.assertion as Element, { keys, allowSha1: false });
  mark();
  const assertion = readAssertion(signed);
  mark();
  checkAssertion(assertion, readResponseFacts(envelope.response), expected);
  mark();
  if (i < warmup) continue;
  Object.keys(steps).forEach((step, index) => {
    steps[step as keyof typeof steps] += (marks[index] as number) - (index > 0 ? marks[index - 1] as number : 0);
  });
}

const nodeSaml = new SAML({
  idpCert: idp.keys.certificatePem, issuer: sp.entityId, callbackUrl: sp.acsUrl,
  wantAssertionsSigned: true, wantAuthnResponseSigned: false, validateInResponseTo: ValidateInResponseTo.never,
  acceptedClockSkewMs: -1, audience: false,
});
let nodeSamlMs = 0;
for (let i = 0; i < warmup + iterations; i++) {
  const started = process.cpuUsage();
  const { profile } = await nodeSaml.validatePostResponseAsync({ SAMLResponse: samlResponse });
  if (!profile?.getAssertionXml?.()) throw new Error('node-saml returned no signed assertion');
  const used = process.cpuUsage(started);
  if (i >= warmup) nodeSamlMs += (used.user + used.system) / 1000;
}

const total = Object.values(steps).reduce((sum, ms) => sum + ms, 0);
const rows = [
  ...Object.entries(steps).map(([step, ms]) => `| ${step} | ${(ms / iterations).toFixed(3)} |`),
  `| **the ACS's checks, in all** | **${(total / iterations).toFixed(3)}** |`,
  `| node-saml 5 validatePostResponseAsync, the same response | ${(nodeSamlMs / iterations).toFixed(3)} |`,
];
console.log([
  `CPU ms per SAML response (${Buffer.from(samlResponse, 'base64').length} bytes of XML), mean of ${iterations} after ${warmup} unmeasured; Node ${process.versions.node}`,
  '', '| Step | CPU ms |', '|---|---|', ...rows,
].join('\n'));
