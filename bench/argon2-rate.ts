import { hashPassword, PASSWORD_HASH_OPTIONS, verifyPassword } from '../src/directory/passwords.ts';
import { PASSWORD } from './world.ts';

/*
 * The machine's argon2id verification rate alone: @node-rs/argon2 through the project's own verifyPassword,
 * at PASSWORD_HASH_OPTIONS, with enough verifications in flight to keep every core (and libuv's thread pool,
 * where they run) busy. Run before anything else is started, so nothing competes with it.
 */
export interface Argon2Rate {
  parameters: typeof PASSWORD_HASH_OPTIONS;
  inFlight: number;
  verifications: number;
  perSecond: number;
  cpuMsPerVerification: number;
  wallMsPerVerification: { mean: number };
}

export async function measureArgon2Rate(options: { durationMs: number; inFlight: number }): Promise<Argon2Rate> {
  const hash = await hashPassword(PASSWORD);
  for (let i = 0; i < options.inFlight; i++) await verifyPassword(hash, PASSWORD); // warm the pool's threads
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.durationMs;
  let verifications = 0;
  let wall = 0;
  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      const begun = performance.now();
      if (!(await verifyPassword(hash, PASSWORD))) throw new Error('argon2id verification failed');
      wall += performance.now() - begun;
      verifications++;
    }
  }
  await Promise.all(Array.from({ length: options.inFlight }, worker));
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    parameters: PASSWORD_HASH_OPTIONS,
    inFlight: options.inFlight,
    verifications,
    perSecond: verifications / (elapsed / 1000),
    cpuMsPerVerification: (cpu.user + cpu.system) / 1000 / verifications,
    wallMsPerVerification: { mean: wall / verifications },
  };
}
