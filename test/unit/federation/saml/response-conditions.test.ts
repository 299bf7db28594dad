import { beforeAll, describe, expect, it } from 'vitest';
import { createSamlWorld, PUBLIC_URL, rejection, type SamlWorld } from './world.ts';

/*
 * Responses genuinely signed by the configured IdP that are nevertheless not for us, not from it, or not
 * for now. Each names the reason an admin will see.
 */
describe('SAML assertion conditions', () => {
  let world: SamlWorld;
  beforeAll(() => { world = createSamlWorld(); });

  const refusal = async (response: Parameters<SamlWorld['signIn']>[1], settings: Record<string, unknown> = {}) => {
    const connection = world.connection({ settings });
    const { samlResponse, relayState } = await world.signIn(connection, response);
    return rejection(world.connector.completeSignIn(connection, { samlResponse, relayState }));
  };
  const accepted = async (response: Parameters<SamlWorld['signIn']>[1], settings: Record<string, unknown> = {}) => {
    const connection = world.connection({ settings });
    const { samlResponse, relayState } = await world.signIn(connection, response);
    return world.connector.completeSignIn(connection, { samlResponse, relayState });
  };
  const minutes = (n: number) => new Date(world.now().getTime() + n * 60_000);
  const seconds = (n: number) => new Date(world.now().getTime() + n * 1000);

  it('refuses an assertion for another audience', async () => {
    const refused = await refusal({ audience: 'https://other-sp.example.test' });
    expect(refused.reason).toBe('audience_mismatch');
    expect(refused.detail).toContain('https://other-sp.example.test');
  });

  it('refuses a response addressed to another Destination, or to none', async () => {
    expect((await refusal({ destination: 'https://other-sp.example.test/acs' })).reason).toBe('destination_mismatch');
    expect((await refusal({ destination: null })).reason).toBe('destination_mismatch');
  });

  it('refuses a subject confirmation for another Recipient', async () => {
    expect((await refusal({ recipient: 'https://other-sp.example.test/acs' })).reason).toBe('recipient_mismatch');
  });

  it('refuses an assertion issued by another entity', async () => {
    const refused = await refusal({ issuer: 'https://other-idp.example.test' });
    expect(refused.reason).toBe('issuer_mismatch');
    expect(refused.detail).toContain('https://other-idp.example.test');
  });

  it('refuses an expired assertion, saying how long ago it expired', async () => {
    const refused = await refusal({ now: minutes(-10), notBefore: minutes(-10), notOnOrAfter: minutes(-5) });
    expect(refused).toMatchObject({ reason: 'assertion_expired', detail: 'the assertion expired 5 minutes ago' });
  });

  it('refuses an expired subject confirmation even when the conditions are still valid', async () => {
    const refused = await refusal({ notOnOrAfter: minutes(5), subjectNotOnOrAfter: minutes(-3) });
    expect(refused).toMatchObject({ reason: 'assertion_expired', detail: 'the subject confirmation expired 3 minutes ago' });
  });

  it('refuses an assertion that is not valid yet', async () => {
    const refused = await refusal({ notBefore: minutes(5), notOnOrAfter: minutes(10) });
    expect(refused.reason).toBe('not_yet_valid');
    expect(refused.detail).toContain('5 minutes from now');
  });

  describe('clock skew', () => {
    it('tolerates 60 seconds by default on either side', async () => {
      await expect(accepted({ notBefore: seconds(55) })).resolves.toBeDefined();
      await expect(accepted({ notOnOrAfter: seconds(-55) })).resolves.toBeDefined();
    });

    it('refuses beyond it', async () => {
      expect((await refusal({ notBefore: seconds(65) })).reason).toBe('not_yet_valid');
      expect((await refusal({ notOnOrAfter: seconds(-61) })).reason).toBe('assertion_expired');
    });

    it('follows the connection setting', async () => {
      await expect(accepted({ notOnOrAfter: seconds(-200) }, { clockSkewSeconds: 300 })).resolves.toBeDefined();
      expect((await refusal({ notOnOrAfter: seconds(-5) }, { clockSkewSeconds: 0 })).reason).toBe('assertion_expired');
    });
  });

  it('refuses a response for one connection posted to another connection', async () => {
    // Two organisations on the same IdP: the assertion for acme names acme's entity ID and ACS URL.
    const acme = world.connection({ id: 'conn-acme' });
    const globex = world.connection({ id: 'conn-globex' });
    const { samlResponse, relayState } = await world.signIn(acme);
    const refused = await rejection(world.connector.completeSignIn(globex, { samlResponse, relayState }));
    expect(refused.reason).toBe('destination_mismatch');
    expect(refused.detail).toContain(`${PUBLIC_URL}/saml/conn-globex/acs`);
    await expect(world.connector.completeSignIn(acme, { samlResponse, relayState })).resolves.toBeDefined();
  });

  it('refuses an assertion whose NameID is empty', async () => {
    expect((await refusal({ nameId: '' })).reason).toBe('missing_subject');
  });
});
