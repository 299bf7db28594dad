import type { SpUnderTest } from '../test/fixtures/saml/idp.ts';
import { googleSignIn } from './flows/google.ts';
import { autoApprovedSignIn, passwordSignIn, signInAutoApproved, signInWithPassword } from './flows/password.ts';
import { relyingApp } from './flows/rp.ts';
import { discoverSp, samlSignIn } from './flows/saml.ts';
import { clientCredentialsGrant, refreshTokenGrant } from './flows/tokens.ts';
import type { Inbox } from './inbox.ts';
import type { Flow } from './load.ts';
import type { Environment, ScenarioSpec, Target } from './measure.ts';
import type { BenchOptions, ScenarioName } from './options.ts';
import type { BenchWorld, GoogleOrg } from './world.ts';

/*
 * The scenarios, as specs for runScenario, in the order they run. Counts are bounded by the accounts'
 * own limits as well as by --max: an account may be mailed 4 codes per 10 minutes, so an OTP scenario stops
 * at 4 sign-ins per account of its pool (3 for SAML, whose warm-up mails one code to each account already).
 */
export interface ScenarioContext {
  options: BenchOptions;
  world: BenchWorld;
  inbox: Inbox;
  env: Environment;
  /** The Google stand-in, when a Google scenario runs. */
  google?: { issuer: string };
}

const OTP_SENDS_PER_WINDOW = 4;

export async function baselineScenarios(ctx: ScenarioContext, target: Target, url: string): Promise<ScenarioSpec[]> {
  const { options, world, env } = ctx;
  const app = await relyingApp(url, 'bench-app', world.clientSecret);
  const service = await relyingApp(url, 'bench-service', world.clientSecret);
  const chains: string[] = [];
  const common = commonSpec(options, target);
  const tokens = tokenSpec(options, target);
  const specs: Partial<Record<ScenarioName, ScenarioSpec>> = {
    baseline: { ...common, name: 'baseline', title: 'Bare oidc-provider: authorization code + PKCE, auto-approved interaction', flow: autoApprovedSignIn({ app, times: env.times }) },
    'baseline-refresh': {
      ...tokens, name: 'baseline-refresh', title: 'Bare oidc-provider: refresh_token grant (rotating)',
      flow: refreshTokenGrant({ app, times: env.times, chains }),
      prepare: () => fillChains(chains, options.concurrency, () => signInAutoApproved({ app, times: env.times, params: offline })),
    },
    'baseline-client-credentials': {
      ...tokens, name: 'baseline-client-credentials', title: 'Bare oidc-provider: client_credentials grant',
      flow: clientCredentialsGrant({ service, times: env.times }),
    },
  };
  return pick(options, specs);
}

export async function bridgekeeperScenarios(ctx: ScenarioContext, target: Target, url: string): Promise<ScenarioSpec[]> {
  const { options, world, inbox, env } = ctx;
  const app = await relyingApp(url, 'bench-app', world.clientSecret);
  const service = await relyingApp(url, 'bench-service', world.clientSecret);
  const times = env.times;
  const common = commonSpec(options, target);
  const tokens = tokenSpec(options, target);
  const otpCap = OTP_SENDS_PER_WINDOW * world.sizes.otpUsers;
  const sp: Partial<Record<'samlco' | 'samlotp', SpUnderTest>> = {};
  const learnSp = (org: 'samlco' | 'samlotp') => async () => {
    sp[org] = await discoverSp(app, times, world.idps[org], org);
  };
  const samlFlow = (org: 'samlco' | 'samlotp', withOtp: boolean) => {
    const email = (n: number) => world.samlUser(org, n % options.samlUsers);
    // The SP endpoints are learnt in prepare(), before the first iteration runs.
    return (n: number, vu: number) => samlSignIn({ app, times, idp: world.idps[org], sp: sp[org]!, org, email, ...(withOtp ? { inbox } : {}) })(n, vu);
  };
  const federatedWarmup = { durationMs: 120_000, maxIterations: options.samlUsers };
  const googleFlow = (org: GoogleOrg, withOtp: boolean): Flow => {
    let flow: Flow | undefined;
    return (n, vu) => {
      // The stand-in is started by run.ts only when a Google scenario is selected.
      if (!ctx.google) throw new Error('the Google scenarios need the Google stand-in');
      flow ??= googleSignIn({
        app, times, google: ctx.google, bridgekeeperUrl: url, org,
        email: (i) => world.googleUser(org, i % options.samlUsers), ...(withOtp ? { inbox } : {}),
      });
      return flow(n, vu);
    };
  };
  const chains: string[] = [];
  const specs: Partial<Record<ScenarioName, ScenarioSpec>> = {
    password: { ...common, name: 'password', title: 'Password sign-in (argon2id), first-party app', flow: passwordSignIn({ app, times, email: world.passwordUsers }) },
    'password-otp': {
      ...common, name: 'password-otp', title: 'Password sign-in + email OTP (real SMTP)',
      flow: passwordSignIn({ app, times, email: world.otpUsers, inbox }),
      warmup: { durationMs: options.warmupMs, maxIterations: Math.floor(otpCap / 4) },
      maxIterations: Math.min(options.maxIterations, otpCap - Math.floor(otpCap / 4)),
    },
    saml: {
      ...common, name: 'saml', title: 'SAML sign-in: app -> Bridgekeeper -> samlify IdP (signed assertion) -> app',
      flow: samlFlow('samlco', false), warmup: federatedWarmup, prepare: learnSp('samlco'),
    },
    'saml-otp': {
      ...common, name: 'saml-otp', title: 'SAML sign-in + email OTP (real SMTP)',
      flow: samlFlow('samlotp', true), warmup: federatedWarmup, prepare: learnSp('samlotp'),
      maxIterations: Math.min(options.maxIterations, (OTP_SENDS_PER_WINDOW - 1) * options.samlUsers),
    },
    google: {
      ...common, name: 'google', title: 'Google sign-in: app -> Bridgekeeper -> Google stand-in (RS256 ID token) -> app',
      flow: googleFlow('gco', false), warmup: federatedWarmup,
    },
    'google-otp': {
      ...common, name: 'google-otp', title: 'Google sign-in + email OTP (real SMTP)',
      flow: googleFlow('gotp', true), warmup: federatedWarmup,
      maxIterations: Math.min(options.maxIterations, (OTP_SENDS_PER_WINDOW - 1) * options.samlUsers),
    },
    refresh: {
      ...tokens, name: 'refresh', title: 'Token endpoint: refresh_token grant (rotating, ID token checked)',
      flow: refreshTokenGrant({ app, times, chains }),
      prepare: () => fillChains(chains, options.concurrency, () => signInWithPassword({ app, times, email: world.passwordUsers, params: offline }, env.iteration.next++)),
    },
    'client-credentials': {
      ...tokens, name: 'client-credentials', title: 'Token endpoint: client_credentials grant (client_secret_basic)',
      flow: clientCredentialsGrant({ service, times }),
    },
  };
  return pick(options, specs);
}

const offline = { scope: 'openid offline_access', prompt: 'consent' };

function commonSpec(options: BenchOptions, target: Target) {
  return {
    target,
    unit: 'sign-in' as const,
    concurrency: options.concurrency,
    durationMs: options.durationMs,
    maxIterations: options.maxIterations,
    warmup: { durationMs: options.warmupMs, maxIterations: options.maxIterations },
  };
}

/** Token requests are cheap and many: a shorter run gives thousands of samples and keeps the bench short. */
function tokenSpec(options: BenchOptions, target: Target) {
  return { ...commonSpec(options, target), unit: 'token' as const, durationMs: Math.min(options.durationMs, TOKEN_RUN_MS) };
}

const TOKEN_RUN_MS = 10_000;

function pick(options: BenchOptions, specs: Partial<Record<ScenarioName, ScenarioSpec>>): ScenarioSpec[] {
  return Object.entries(specs).filter(([name]) => options.scenarios.has(name as ScenarioName)).map(([, spec]) => spec);
}

async function fillChains(chains: string[], count: number, signIn: () => Promise<{ refresh_token?: string }>): Promise<void> {
  const tokens = await Promise.all(Array.from({ length: count }, signIn));
  chains.length = 0;
  for (const { refresh_token: token } of tokens) {
    if (!token) throw new Error('the sign-in issued no refresh token');
    chains.push(token);
  }
}
