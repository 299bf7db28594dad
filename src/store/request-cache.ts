import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';

/*
 * Within one HTTP request, reading the same object twice (by id or by key) asks the store once: a sign-in step
 * reads the user, its membership and its organisation from several places that each need them. Nothing lives
 * beyond the request, and any write through these stores during the request forgets everything read so far,
 * so a request sees its own writes. Answers are copies: a caller changing one cannot change another's.
 */

const reads = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

export function requestCache(): Middleware {
  return (_ctx, next) => reads.run(new Map(), next);
}

/**
 * `load()` once per request under `slot`: concurrent and later callers in the same request share its answer,
 * a failure is not remembered, and outside a request every call loads. For the layers below the ports that
 * remember per request too (the read cache's generations, oidc-provider's interactions). The memo is cleared by
 * every write through the ports, as above; `forgetInRequest` drops one slot.
 */
export function onceInRequest<T>(slot: string, load: () => Promise<T>): Promise<T> {
  const memo = reads.getStore();
  if (!memo) return load();
  let pending = memo.get(slot) as Promise<T> | undefined;
  if (!pending) {
    pending = load();
    memo.set(slot, pending);
    // A failed read is not remembered: the next one tries again.
    pending.catch(() => memo.delete(slot));
  }
  return pending;
}

export function forgetInRequest(slot: string): void {
  reads.getStore()?.delete(slot);
}

const isRead = (name: string) => name === 'get' || name.startsWith('find');
const isWrite = (name: string) => ['create', 'update', 'delete', 'record'].includes(name);

function wrapPort<P extends object>(portName: string, port: P): P {
  const wrapped: Record<string, unknown> = { ...(port as Record<string, unknown>) };
  for (const [name, member] of Object.entries(port as Record<string, unknown>)) {
    if (typeof member !== 'function') continue;
    const method = member as (...args: unknown[]) => Promise<unknown>;
    if (isRead(name)) {
      wrapped[name] = async (...args: unknown[]) => {
        if (!reads.getStore()) return method(...args);
        const value = await onceInRequest(`${portName}.${name}:${JSON.stringify(args)}`, () => method(...args));
        return value === undefined ? undefined : structuredClone(value);
      };
    } else if (isWrite(name)) {
      wrapped[name] = async (...args: unknown[]) => {
        reads.getStore()?.clear();
        try {
          return await method(...args);
        } finally {
          reads.getStore()?.clear();
        }
      };
    }
  }
  return wrapped as P;
}

/** The stores with every port's reads shared within a request (see above); ping and close pass through. */
export function withRequestCache<S extends object>(stores: S): S {
  const wrapped: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(stores)) {
    wrapped[name] = member !== null && typeof member === 'object' ? wrapPort(name, member) : member;
  }
  return wrapped as S;
}
