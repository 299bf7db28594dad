import Router from '@koa/router';

export interface HealthDeps {
  /** Each check throws when its dependency cannot serve requests. */
  checks: Record<string, () => Promise<void>>;
  /** How long a readiness check may take before it counts as failed. */
  timeoutMs?: number;
}

/*
 * - /healthz (liveness): the process serves HTTP; never touches dependencies, so a slow database does not
 *   get healthy instances restarted
 * - /readyz (readiness): every store answers a ping in time; 503 otherwise, naming which one failed
 */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = new Router();
  const timeoutMs = deps.timeoutMs ?? 2000;

  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const results = await Promise.all(Object.entries(deps.checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs);
        return [name, 'ok'] as const;
      } catch {
        return [name, 'unavailable'] as const;
      }
    }));
    const ready = results.every(([, state]) => state === 'ok');
    ctx.status = ready ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: ready ? 'ready' : 'unavailable', checks: Object.fromEntries(results) };
  });

  return router;
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
