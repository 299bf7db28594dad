import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvStore } from '../../../../src/common/kv.ts';
import { createTestIdp, tamper } from '../../../fixtures/saml/idp.ts';
import { createSamlWorld, rejection, type SamlWorld } from './world.ts';

/*
 * The stateful half of response validation: request ids answered once, assertions accepted once, and
 * neither spent by a response that fails any other check. Run on every KV backend, because "once" is only
 * as good as the backend's atomic operations.
 */
export interface StateBackend {
  makeKv(now: () => number): KvStore;
  cleanup?(): Promise<void>;
}

export function runSamlStateTests(backend: string, setUp: () => Promise<StateBackend>): void {
  describe(`SAML request and replay state (${backend})`, () => {
    let world: SamlWorld;
    let store: StateBackend;
    beforeAll(async () => {
      store = await setUp();
      world = createSamlWorld({ makeKv: (now) => store.makeKv(now) });
    });
    afterAll(async () => {
      await store.cleanup?.();
      await world.kv.close();
    });

    const complete = (samlResponse: string, relayState: string | undefined, connection = world.connection()) =>
      world.connector.completeSignIn(connection, { samlResponse, ...(relayState === undefined ? {} : { relayState }) });

    it('accepts a response once; the same response again is a replay', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection());
      await expect(complete(samlResponse, relayState)).resolves.toBeDefined();
      expect((await rejection(complete(samlResponse, relayState))).reason).toBe('replayed');
    });

    it('lets exactly one of two simultaneous posts of one response through', async () => {
      const { samlResponse, relayState } = await world.signIn(world.connection());
      const results = await Promise.allSettled([complete(samlResponse, relayState), complete(samlResponse, relayState)]);
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
      expect(['replayed', 'in_response_to_unknown']).toContain(failed.reason.reason);
    });

    it('remembers an accepted assertion until it could no longer be accepted anyway', async () => {
      const assertionId = `_assertion-ttl-${backend}`;
      const { samlResponse, relayState } = await world.signIn(world.connection(), { assertionId });
      await complete(samlResponse, relayState);
      const key = `saml-assertion:conn-acme:${createHash('sha256').update(assertionId).digest('base64url')}`;
      // NotOnOrAfter is 5 minutes after issue, plus the default 60 s skew.
      expect(await world.kv.ttl(key)).toBeGreaterThan(350);
      expect(await world.kv.ttl(key)).toBeLessThanOrEqual(360);
    });

    it('answers each request once: a second genuine assertion for the same request is refused', async () => {
      const connection = world.connection();
      const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'twice' });
      const request = await world.idp.receive(redirectUrl, world.sp(connection));
      const first = await world.idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
      const second = await world.idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
      await expect(complete(first, 'twice')).resolves.toMatchObject({ requestId: request.id });
      expect((await rejection(complete(second, 'twice'))).reason).toBe('in_response_to_unknown');
    });

    it('refuses a response to a request this connection never sent', async () => {
      const connection = world.connection();
      const samlResponse = await world.idp.respond({ sp: world.sp(connection), inResponseTo: '_never-sent', now: world.now() });
      expect((await rejection(complete(samlResponse, undefined))).reason).toBe('in_response_to_unknown');
    });

    it('refuses a response to a request that has expired', async () => {
      const connection = world.connection();
      const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'slow' });
      const request = await world.idp.receive(redirectUrl, world.sp(connection));
      world.advance(11 * 60);
      const samlResponse = await world.idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
      expect((await rejection(complete(samlResponse, 'slow'))).reason).toBe('in_response_to_unknown');
    });

    it('refuses a Response whose InResponseTo disagrees with its signed assertion', async () => {
      const { samlResponse, relayState, requestId } = await world.signIn(world.connection());
      const { redirectUrl } = await world.connector.startSignIn(world.connection(), { relayState: 'other' });
      const other = await world.idp.receive(redirectUrl, world.sp(world.connection()));
      // The Response element is not signed here, so its attribute can be changed without breaking anything.
      const retargeted = tamper(samlResponse, (xml) => xml.replace(/(<samlp:Response[^>]*InResponseTo=")[^"]+"/, `$1${other.id}"`));
      expect(requestId).not.toBe(other.id);
      expect((await rejection(complete(retargeted, relayState))).reason).toBe('in_response_to_mismatch');
    });

    describe('nothing is spent by a refused response', () => {
      it('a forged response cannot burn a legitimate request id', async () => {
        const connection = world.connection();
        const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'victim' });
        const request = await world.idp.receive(redirectUrl, world.sp(connection));
        const attacker = createTestIdp({ entityId: world.idp.entityId });
        const forged = await attacker.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
        expect((await rejection(complete(forged, 'victim'))).reason).toBe('unknown_signer');

        const genuine = await world.idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
        await expect(complete(genuine, 'victim')).resolves.toMatchObject({ requestId: request.id });
      });

      it('a response refused for its audience leaves the request and the assertion id unused', async () => {
        const connection = world.connection();
        const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'retry' });
        const request = await world.idp.receive(redirectUrl, world.sp(connection));
        const assertionId = `_same-assertion-${backend}`;
        const misaddressed = await world.idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now(), audience: 'urn:elsewhere', assertionId });
        expect((await rejection(complete(misaddressed, 'retry'))).reason).toBe('audience_mismatch');

        const fixed = await world.idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now(), assertionId });
        await expect(complete(fixed, 'retry')).resolves.toBeDefined();
      });
    });

    describe('IdP-initiated (unsolicited) responses', () => {
      it('are refused by default', async () => {
        const connection = world.connection();
        const samlResponse = await world.idp.respond({ sp: world.sp(connection), now: world.now() });
        expect((await rejection(complete(samlResponse, undefined))).reason).toBe('unsolicited');
      });

      it('are accepted when the connection allows them, once', async () => {
        const connection = world.connection({ settings: { allowIdpInitiated: true } });
        const samlResponse = await world.idp.respond({ sp: world.sp(connection), now: world.now() });
        const result = await complete(samlResponse, 'https://app.example.test/wherever', connection);
        expect(result.requestId).toBeUndefined();
        expect(result.identity.subject).toBe('alice@example.test');
        expect((await rejection(complete(samlResponse, undefined, connection))).reason).toBe('replayed');
      });

      it('cannot be passed off as an answer by an unsigned Response naming a request: refused, the request left unused', async () => {
        const connection = world.connection();
        const { redirectUrl } = await world.connector.startSignIn(connection, { relayState: 'attacker' });
        const request = await world.idp.receive(redirectUrl, world.sp(connection));
        const unsolicited = await world.idp.respond({ sp: world.sp(connection), now: world.now() });
        const wrapped = tamper(unsolicited, (xml) => xml.replace('<samlp:Response ', `<samlp:Response InResponseTo="${request.id}" `));
        const refused = await rejection(complete(wrapped, 'attacker'));
        expect(refused.reason).toBe('in_response_to_mismatch');
        expect(refused.detail).toContain('names no request');

        const genuine = await world.idp.respond({ sp: world.sp(connection), inResponseTo: request.id, now: world.now() });
        await expect(complete(genuine, 'attacker')).resolves.toMatchObject({ requestId: request.id });
      });

      it('still pass every other check when allowed', async () => {
        const connection = world.connection({ settings: { allowIdpInitiated: true } });
        const sp = world.sp(connection);
        const wrongAudience = await world.idp.respond({ sp, now: world.now(), audience: 'urn:elsewhere' });
        expect((await rejection(complete(wrongAudience, undefined, connection))).reason).toBe('audience_mismatch');
        const expired = await world.idp.respond({ sp, now: new Date(world.now().getTime() - 600_000) });
        expect((await rejection(complete(expired, undefined, connection))).reason).toBe('assertion_expired');
        const unsigned = await world.idp.respond({ sp, now: world.now(), signAssertion: false, signResponse: false });
        expect((await rejection(complete(unsigned, undefined, connection))).reason).toBe('unsigned_assertion');
      });
    });
  });
}
