import type { BenchReport } from './report.ts';

/*
 * The targets (2 cores), each judged on this run's figures:
 * - SAML: >= 250 sign-ins/s with p99 < 150 ms at 32 concurrent users
 * - password sign-in: >= 90 % of the machine's argon2id verification rate alone
 * - overhead over bare oidc-provider <= 1.5x, on server CPU per sign-in, argon2id's own cost taken out: as
 *   measured alone, and as measured in the run (the server's CPU outside libuv's pool); both must hold
 */
export interface Verdict {
  target: string;
  measured: string;
  pass: boolean | undefined;
  note?: string;
}

export function judgeTargets(report: BenchReport): Verdict[] {
  const find = (name: string) => report.scenarios.find((s) => s.name === name);
  const saml = find('saml');
  const google = find('google');
  const password = find('password');
  const baseline = find('baseline');
  const argon2 = report.argon2;
  const cores = report.machine.cpus;
  const verdicts: Verdict[] = [];

  if (saml) {
    const capacity = (cores * 1000) / saml.cpuMsPerIteration.server;
    verdicts.push({
      target: 'SAML >= 250 sign-ins/s, p99 < 150 ms, 32 users',
      measured: `${fixed(saml.perSecond)}/s, p99 ${fixed(saml.latencyMs.p99)} ms (${fixed(saml.netLatencyMs.p99)} ms without the IdP's signing) at ${saml.concurrency} users`,
      pass: saml.concurrency === 32 ? saml.perSecond >= 250 && saml.latencyMs.p99 < 150 : undefined,
      note: `server CPU ${fixed(saml.cpuMsPerIteration.server, 2)} ms per sign-in: all ${cores} cores given to the server alone would allow at most ${fixed(capacity)}/s ` +
        `(as ${cores} instances: one process's event loop, ${fixed(saml.serverThreadsMsPerIteration.main, 2)} ms per sign-in, runs on one core and allows at most ${fixed(1000 / saml.serverThreadsMsPerIteration.main)}/s)`,
    });
  }
  if (password && argon2) {
    const share = password.perSecond / argon2.perSecond;
    verdicts.push({
      target: 'password sign-in >= 90 % of the argon2id rate alone',
      measured: `${fixed(password.perSecond)}/s vs ${fixed(argon2.perSecond)} verifications/s = ${percent(share)}`,
      pass: share >= 0.9,
      note: `argon2id is ${percent(argon2.cpuMsPerVerification / password.cpuMsPerIteration.server)} of the server's CPU per password sign-in`,
    });
  }
  if (password && baseline && argon2) {
    const net = (password.cpuMsPerIteration.server - argon2.cpuMsPerVerification) / baseline.cpuMsPerIteration.server;
    const plain = password.cpuMsPerIteration.server / baseline.cpuMsPerIteration.server;
    // The same taken out as measured in the run: the server's CPU outside libuv's pool, where argon2id runs.
    const outsidePool = (s: typeof password) => s.cpuMsPerIteration.server - s.serverThreadsMsPerIteration.pool;
    const direct = outsidePool(password) / outsidePool(baseline);
    verdicts.push({
      target: 'overhead over bare oidc-provider <= 1.5x (server CPU per sign-in, argon2id taken out)',
      measured: `${fixed(net, 2)}x (plain ratio ${fixed(plain, 2)}x); ${fixed(direct, 2)}x outside libuv's pool`,
      pass: net <= 1.5 && direct <= 1.5,
      note: `password ${fixed(password.cpuMsPerIteration.server, 2)} ms - argon2id ${fixed(argon2.cpuMsPerVerification, 2)} ms vs baseline ${fixed(baseline.cpuMsPerIteration.server, 2)} ms per sign-in` +
        `; outside the pool ${fixed(outsidePool(password), 2)} ms vs ${fixed(outsidePool(baseline), 2)} ms` +
        [saml, google].filter((s) => s !== undefined)
          .map((s) => `; ${s.name === 'saml' ? 'SAML' : 'Google'} ${fixed(s.cpuMsPerIteration.server / baseline.cpuMsPerIteration.server, 2)}x the baseline`).join(''),
    });
  }
  if (cores !== 2) {
    for (const verdict of verdicts) verdict.note = `${verdict.note ?? ''} (targets are for 2 cores; this machine has ${cores})`.trim();
  }
  return verdicts;
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function percent(value: number): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(1)} %` : 'n/a';
}
