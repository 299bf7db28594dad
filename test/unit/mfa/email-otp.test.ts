import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TooManyRequestsError } from '../../../src/common/too-many-requests.ts';
import { MailDeliveryError, type Mailer, type MailMessage } from '../../../src/mail/port.ts';
import { createEmailOtp, type EmailOtpLimits } from '../../../src/mfa/email-otp.ts';
import { OtpLockedError, OtpRejectedError, OtpResendLimitedError, type OtpRejection } from '../../../src/mfa/errors.ts';
import { otpKeys, type OtpRecord } from '../../../src/mfa/keys.ts';
import { kvBackends, useKvBackend } from '../../support/kv-backends.ts';

const CODE_KEY = 'test-otp-code-key-0123456789abcdef';

/** A Mailer that records what it was given (the SMTP path has its own tests); it can be told to fail once. */
function capturingMailer() {
  const sent: MailMessage[] = [];
  const attempted: MailMessage[] = [];
  let failure: Error | undefined;
  const mailer: Mailer = {
    async send(message) {
      attempted.push(message);
      if (failure) {
        const error = failure;
        failure = undefined;
        throw error;
      }
      sent.push(message);
    },
  };
  return {
    mailer,
    sent,
    failNext: (error: Error) => (failure = error),
    /** The code of the latest message handed to the mailer, read from its text as a user would. */
    lastCode(): string {
      const text = attempted.at(-1)?.text ?? '';
      const match = /(?<!\d)\d{6}(?!\d)/.exec(text);
      if (!match) throw new Error('no code in the last message');
      return match[0];
    },
  };
}

/** A different code than `code`, so that a "wrong" guess is never right by chance. */
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

async function rejectedWith(promise: Promise<unknown>, code: OtpRejection): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(OtpRejectedError);
  expect(error.code).toBe(code);
}

describe.each(kvBackends)('email OTP on $name', (backend) => {
  const space = useKvBackend(backend);

  function setUp(limits: Partial<EmailOtpLimits> = {}) {
    const mail = capturingMailer();
    let time = Date.parse('2026-05-04T09:30:00Z');
    const { kv } = space();
    const now = () => new Date(time);
    const otp = createEmailOtp({ kv, mailer: mail.mailer, codeKey: CODE_KEY, now, limits });
    const userId = `user-${randomUUID()}`;
    const challenge = () => `challenge-${randomUUID()}`;
    const send = async (challengeId: string, user = userId) => {
      await otp.send({ challengeId, userId: user, email: 'ada@customer.example', name: 'Ada' });
      return mail.lastCode();
    };
    return { otp, mail, kv, now, userId, challenge, send, advance: (ms: number) => (time += ms) };
  }

  it('mails a six-digit code to the user before send resolves, and accepts it once', async () => {
    const { otp, mail, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const code = await send(challengeId);
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]).toMatchObject({ to: 'ada@customer.example', kind: 'one-time-code' });
    expect(mail.sent[0]?.subject).not.toContain(code);
    expect(mail.sent[0]?.html).toContain(code);

    await expect(otp.verify({ challengeId, userId, code })).resolves.toBe('ok');
    await rejectedWith(otp.verify({ challengeId, userId, code }), 'otp_missing');
  });

  it('stores only a keyed hash of the code, not the code or its plain SHA-256', async () => {
    const { kv, challenge, send } = setUp();
    const challengeId = challenge();
    const code = await send(challengeId);
    const record = await kv.get<OtpRecord>(otpKeys.code(challengeId));
    expect(record).toBeDefined();
    const stored = JSON.stringify(record);
    expect(stored).not.toContain(code);
    for (const unkeyed of [code, `${challengeId}${code}`]) {
      for (const encoding of ['hex', 'base64url'] as const) {
        expect(stored).not.toContain(createHash('sha256').update(unkeyed).digest(encoding));
      }
    }
  });

  it('accepts a code typed with spaces or a dash', async () => {
    const { otp, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const code = await send(challengeId);
    await expect(otp.verify({ challengeId, userId, code: ` ${code.slice(0, 3)} -${code.slice(3)} ` })).resolves.toBe('ok');
  });

  it('refuses a wrong code without saying how many attempts remain, and still takes the right one after', async () => {
    const { otp, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const code = await send(challengeId);
    const error = await rejection(otp.verify({ challengeId, userId, code: wrong(code) }));
    expect(error).toBeInstanceOf(OtpRejectedError);
    expect(error).toMatchObject({ status: 400, code: 'otp_invalid', expose: true });
    expect(error.message).not.toMatch(/\d/);
    await expect(otp.verify({ challengeId, userId, code })).resolves.toBe('ok');
  });

  it('binds a code to its challenge and its user', async () => {
    const { otp, userId, challenge, send } = setUp();
    const first = challenge();
    const second = challenge();
    const firstCode = await send(first);
    const secondCode = await send(second);
    await rejectedWith(otp.verify({ challengeId: first, userId: `user-${randomUUID()}`, code: firstCode }), 'otp_missing');
    await rejectedWith(otp.verify({ challengeId: challenge(), userId, code: firstCode }), 'otp_missing');
    if (firstCode !== secondCode) await rejectedWith(otp.verify({ challengeId: second, userId, code: firstCode }), 'otp_invalid');
    await expect(otp.verify({ challengeId: first, userId, code: firstCode })).resolves.toBe('ok');
  });

  it('expires a code after 10 minutes', async () => {
    const { otp, userId, challenge, send, advance } = setUp();
    const early = challenge();
    const late = challenge();
    const earlyCode = await send(early);
    const lateCode = await send(late);
    advance(10 * 60_000 - 1_000);
    await expect(otp.verify({ challengeId: early, userId, code: earlyCode })).resolves.toBe('ok');
    advance(1_000);
    await rejectedWith(otp.verify({ challengeId: late, userId, code: lateCode }), 'otp_expired');
  });

  it('kills the previous code at once when a new one is sent', async () => {
    const { otp, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const oldCode = await send(challengeId);
    const newCode = await send(challengeId);
    expect(newCode).not.toBe(oldCode);
    await rejectedWith(otp.verify({ challengeId, userId, code: oldCode }), 'otp_invalid');
    await expect(otp.verify({ challengeId, userId, code: newCode })).resolves.toBe('ok');
  });

  it('kills a code after 5 wrong attempts: the sixth fails even with the right code', async () => {
    const { otp, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const code = await send(challengeId);
    for (let attempt = 1; attempt <= 5; attempt++) await rejectedWith(otp.verify({ challengeId, userId, code: wrong(code) }), 'otp_invalid');
    await rejectedWith(otp.verify({ challengeId, userId, code }), 'otp_exhausted');
  });

  it('compares at most 5 of 20 concurrent wrong guesses', async () => {
    const { otp, kv, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const code = await send(challengeId);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => rejection(otp.verify({ challengeId, userId, code: wrong(code) })).then((error) => error.code)),
    );
    // otp_invalid is only ever the result of a comparison; otp_exhausted is decided before one.
    expect(outcomes.filter((outcome) => outcome === 'otp_invalid')).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome === 'otp_exhausted')).toHaveLength(15);
    await rejectedWith(otp.verify({ challengeId, userId, code }), 'otp_exhausted');
    // Only compared guesses count against the account.
    expect(await kv.get(otpKeys.failures(userId))).toBe(5);
  });

  it('counts attempts across instances: guesses split over two of them still compare 5 times in all', async () => {
    const { otp, mail, now, userId, challenge, send } = setUp();
    const secondInstance = createEmailOtp({ kv: space().connect(), mailer: mail.mailer, codeKey: CODE_KEY, now });
    const challengeId = challenge();
    const code = await send(challengeId);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        rejection((index % 2 === 0 ? otp : secondInstance).verify({ challengeId, userId, code: wrong(code) })).then((error) => error.code),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'otp_invalid')).toHaveLength(5);
    await rejectedWith(secondInstance.verify({ challengeId, userId, code }), 'otp_exhausted');
  });

  it('lets exactly one of two concurrent right submissions through', async () => {
    const { otp, kv, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const code = await send(challengeId);
    const results = await Promise.allSettled([otp.verify({ challengeId, userId, code }), otp.verify({ challengeId, userId, code })]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const [loser] = results.filter((result) => result.status === 'rejected');
    expect((loser?.reason as OtpRejectedError).code).toBe('otp_missing');
    // Neither right code counts as a failure of the account.
    expect(await kv.get(otpKeys.failures(userId))).toBe(0);
  });

  it('mails at most one code and 3 resends per user in 10 minutes', async () => {
    const { otp, userId, challenge, send } = setUp();
    const first = challenge();
    for (let sendNumber = 1; sendNumber <= 3; sendNumber++) await send(first);
    const last = challenge();
    const lastCode = await send(last);
    const error = await rejection(otp.send({ challengeId: last, userId, email: 'ada@customer.example' }));
    expect(error).toBeInstanceOf(OtpResendLimitedError);
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(error).toMatchObject({ status: 429, code: 'otp_resend_limited' });
    const { retryAfterSeconds } = error as OtpResendLimitedError;
    expect(retryAfterSeconds).toBeGreaterThan(0);
    expect(retryAfterSeconds).toBeLessThanOrEqual(600);
    // A refused resend leaves the code already mailed working; other users are not affected.
    await expect(otp.verify({ challengeId: last, userId, code: lastCode })).resolves.toBe('ok');
    await expect(send(challenge(), `user-${randomUUID()}`)).resolves.toMatch(/^\d{6}$/);
  });

  it('locks the account after 20 failures across sign-ins, for checks and sends alike', async () => {
    const { otp, userId, challenge, send } = setUp({ resendsPerWindow: 10 });
    const challenges = Array.from({ length: 5 }, challenge);
    const codes: string[] = [];
    for (const challengeId of challenges) codes.push(await send(challengeId));
    // Four fresh codes, five wrong guesses each: every guess is compared, and all twenty count.
    for (const [index, challengeId] of challenges.slice(0, 4).entries()) {
      for (let attempt = 1; attempt <= 5; attempt++) {
        await rejectedWith(otp.verify({ challengeId, userId, code: wrong(codes[index]!) }), 'otp_invalid');
      }
    }
    const locked = await rejection(otp.verify({ challengeId: challenges[4]!, userId, code: codes[4]! }));
    expect(locked).toBeInstanceOf(OtpLockedError);
    expect(locked).toMatchObject({ status: 429, code: 'otp_locked' });
    expect((locked as OtpLockedError).retryAfterSeconds).toBeGreaterThan(0);
    expect((locked as OtpLockedError).retryAfterSeconds).toBeLessThanOrEqual(3600);
    expect(await rejection(send(challenge()))).toBeInstanceOf(OtpLockedError);

    const other = `user-${randomUUID()}`;
    const otherChallenge = challenge();
    const otherCode = await send(otherChallenge, other);
    await expect(otp.verify({ challengeId: otherChallenge, userId: other, code: otherCode })).resolves.toBe('ok');
  });

  it('gives a right code its account slot back', async () => {
    const { otp, userId, challenge, send } = setUp({ failuresPerAccount: 3 });
    const first = challenge();
    const firstCode = await send(first);
    for (let attempt = 1; attempt <= 2; attempt++) await rejectedWith(otp.verify({ challengeId: first, userId, code: wrong(firstCode) }), 'otp_invalid');
    await expect(otp.verify({ challengeId: first, userId, code: firstCode })).resolves.toBe('ok');
    const second = challenge();
    const secondCode = await send(second);
    // Two failures so far, not three: the third is still compared, the fourth is refused.
    await rejectedWith(otp.verify({ challengeId: second, userId, code: wrong(secondCode) }), 'otp_invalid');
    expect(await rejection(otp.verify({ challengeId: second, userId, code: secondCode }))).toBeInstanceOf(OtpLockedError);
  });

  it('surfaces a delivery failure as the mailer error and leaves no usable code', async () => {
    const { otp, mail, userId, challenge, send } = setUp();
    const challengeId = challenge();
    const earlier = await send(challengeId);
    mail.failNext(new MailDeliveryError('unreachable', 'connection refused'));
    const error = await rejection(otp.send({ challengeId, userId, email: 'ada@customer.example' }));
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect(error.status).toBe(503);
    const undelivered = mail.lastCode();
    await rejectedWith(otp.verify({ challengeId, userId, code: undelivered }), 'otp_missing');
    await rejectedWith(otp.verify({ challengeId, userId, code: earlier }), 'otp_missing');
  });

  it('never puts a code into an error', async () => {
    const { otp, mail, userId, challenge, send, advance } = setUp({ attemptsPerCode: 1, failuresPerAccount: 2 });
    const errors: unknown[] = [];
    const collect = (promise: Promise<unknown>) => promise.then(() => expect.fail('expected a rejection'), (error: unknown) => errors.push(error));
    const [a, b, c] = [challenge(), challenge(), challenge()];
    const [codeA, codeB, codeC] = [await send(a), await send(b), await send(c)];
    await collect(otp.verify({ challengeId: a, userId, code: wrong(codeA) }));
    await collect(otp.verify({ challengeId: a, userId, code: codeA }));
    await collect(otp.verify({ challengeId: b, userId, code: wrong(codeB) }));
    await collect(otp.verify({ challengeId: c, userId, code: codeC }));
    await collect(otp.verify({ challengeId: b, userId: `user-${randomUUID()}`, code: codeB }));
    const other = `user-${randomUUID()}`;
    const d = challenge();
    for (let sendNumber = 1; sendNumber <= 4; sendNumber++) await send(d, other);
    await collect(otp.send({ challengeId: d, userId: other, email: 'ada@customer.example' }));
    advance(11 * 60_000);
    await collect(otp.verify({ challengeId: d, userId: other, code: mail.lastCode() }));

    const codes = [codeA, codeB, codeC, mail.lastCode()];
    expect(errors.map((error) => (error as { code: string }).code)).toEqual([
      'otp_invalid', 'otp_exhausted', 'otp_invalid', 'otp_locked', 'otp_missing', 'otp_resend_limited', 'otp_expired',
    ]);
    for (const error of errors) {
      const shown = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack}`;
      for (const code of codes) expect(shown).not.toContain(code);
    }
  });
});

describe('email OTP configuration', () => {
  it('refuses a code key shorter than 32 bytes', async () => {
    const { createMemoryKv } = await import('../../../src/store/kv/memory.ts');
    const kv = createMemoryKv();
    expect(() => createEmailOtp({ kv, mailer: capturingMailer().mailer, codeKey: 'short' })).toThrow(/32 bytes/);
    await kv.close();
  });
});
