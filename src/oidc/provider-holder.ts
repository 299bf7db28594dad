import type Provider from 'oidc-provider';
import type { Logger } from 'pino';

export interface KeySource {
  /** Changes whenever the published key set changes. */
  version(): Promise<string>;
}

export interface ProviderHolder {
  current(): Provider;
  /** Rebuilds the provider when the key set changed; safe to call often. */
  refresh(): Promise<boolean>;
  stop(): void;
}

/*
 * oidc-provider's keystore is fixed when the Provider is built. Signing keys live in the store and rotate, so
 * every instance polls the key-set version and swaps in a provider built with the new keys. Requests already
 * running finish on the provider they started with; all provider state lives in the KV store, so nothing is
 * lost by the swap.
 */
export async function createProviderHolder(deps: {
  keys: KeySource;
  build: () => Promise<Provider>;
  intervalMs: number;
  logger: Logger;
}): Promise<ProviderHolder> {
  let version = await deps.keys.version();
  let provider = await deps.build();
  let refreshing: Promise<boolean> | undefined;

  async function refresh(): Promise<boolean> {
    const latest = await deps.keys.version();
    if (latest === version) return false;
    provider = await deps.build();
    version = latest;
    deps.logger.info({ keys: latest }, 'signing keys changed; provider rebuilt');
    return true;
  }

  const timer = setInterval(() => {
    refreshing ??= refresh()
      .catch((error: unknown) => { deps.logger.warn({ err: error }, 'signing key refresh failed'); return false; })
      .finally(() => { refreshing = undefined; });
  }, deps.intervalMs);
  timer.unref();

  return {
    current: () => provider,
    refresh: () => (refreshing ??= refresh().finally(() => { refreshing = undefined; })),
    stop: () => clearInterval(timer),
  };
}
