import { InvalidArgumentError, Option, type Command } from 'commander';
import { AppError } from '../../common/errors.ts';
import { createKeyService, SIGNING_ALGS, type SigningAlg } from '../../oidc/keys.ts';
import type { SigningKey } from '../../oidc/model.ts';
import { LONGEST_SIGNED_LIFETIME } from '../../oidc/provider.ts';
import type { CliContext } from '../context.ts';

/*
 * Signing key rotation, in the key service's steps (src/oidc/keys.ts), one command each, so that an operator
 * (or a scheduled job) waits between them for every instance to publish the new key:
 *   keys rotate   publishes a `next` key per algorithm; idempotent: a `next` key already waiting is reported
 *   keys promote  the waiting key signs from now on, once it has been published long enough
 *   keys prune    deletes retired keys that no unexpired token can refer to
 */

/** Instances reload their keys every 30 s; twice that leaves room for one slow reload. */
const DEFAULT_MIN_PUBLISHED_SECONDS = 60;

const view = (key: SigningKey) => ({ id: key.id, kid: key.publicJwk.kid as string, alg: key.alg, status: key.status, createdAt: key.createdAt });

function seconds(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number of seconds');
  return Number(value);
}

const algOption = () => new Option('--alg <alg>', 'only this algorithm (default: every one)').choices([...SIGNING_ALGS]);

export function registerKeysCommands(program: Command, cli: CliContext): void {
  const keysCommand = program.command('keys').description('token signing keys');
  const withKeys = <T>(run: (keys: ReturnType<typeof createKeyService>, list: () => Promise<SigningKey[]>) => Promise<T>) =>
    cli.withStores(({ config, stores }) => {
      const keys = createKeyService({ keys: stores.signingKeys, encryptionSecret: config.secrets.keyEncryptionKey });
      return run(keys, async () => (await stores.signingKeys.list({ limit: 500 })).items);
    });
  const algs = (alg: SigningAlg | undefined) => (alg ? [alg] : [...SIGNING_ALGS]);

  keysCommand.command('list')
    .description('every stored key with its status')
    .action(() => withKeys(async (_keys, list) => {
      const all = (await list()).map(view);
      cli.print({ keys: all }, all.map((k) => `${k.alg} ${k.status.padEnd(7)} ${k.kid} (created ${k.createdAt})`).join('\n') || 'no signing keys');
    }));

  keysCommand.command('rotate')
    .description('publish a new key (not signing yet) for each algorithm that has none waiting')
    .addOption(algOption())
    .action((options: { alg?: SigningAlg }) => withKeys(async (keys, list) => {
      const existing = await list();
      const results = [];
      for (const alg of algs(options.alg)) {
        const waiting = existing.find((k) => k.alg === alg && k.status === 'next');
        results.push({ ...view(waiting ?? await keys.rotate(alg)), created: !waiting });
      }
      cli.print({ keys: results, promoteAfterSeconds: DEFAULT_MIN_PUBLISHED_SECONDS }, [
        ...results.map((k) => `${k.alg}: ${k.created ? 'published' : 'already waiting'} ${k.kid}`),
        `run "keys promote" once every instance has reloaded its keys (${DEFAULT_MIN_PUBLISHED_SECONDS} s)`,
      ].join('\n'));
    }));

  keysCommand.command('promote')
    .description('the waiting key of each algorithm signs from now on; the previous one is retired')
    .addOption(algOption())
    .option('--min-published-seconds <s>', 'refuse unless the key was published this long ago', seconds, DEFAULT_MIN_PUBLISHED_SECONDS)
    .action((options: { alg?: SigningAlg; minPublishedSeconds: number }) => withKeys(async (keys, list) => {
      // Without --alg, an algorithm with no key waiting is skipped, so a run interrupted half-way can be repeated.
      const waiting = new Set((await list()).filter((k) => k.status === 'next').map((k) => k.alg));
      const chosen = options.alg ? [options.alg] : SIGNING_ALGS.filter((alg) => waiting.has(alg));
      if (chosen.length === 0) throw new AppError(409, 'no_next_signing_key', 'no signing key awaits promotion; run "keys rotate" first');
      const results = [];
      for (const alg of chosen) results.push(view(await keys.promote(alg, { minPublishedSeconds: options.minPublishedSeconds })));
      cli.print({ keys: results }, results.map((k) => `${k.alg}: ${k.kid} signs from now on`).join('\n'));
    }));

  keysCommand.command('prune')
    .description('delete retired keys no unexpired token can refer to')
    .option('--max-token-lifetime <s>', 'lifetime of the longest-lived signed token, in seconds (default: the provider\'s)', seconds, LONGEST_SIGNED_LIFETIME)
    .action((options: { maxTokenLifetime: number }) => withKeys(async (keys) => {
      const pruned = (await keys.prune(options.maxTokenLifetime)).map(view);
      cli.print({ pruned }, pruned.length ? pruned.map((k) => `${k.alg}: deleted ${k.kid}`).join('\n') : 'nothing to prune');
    }));
}
