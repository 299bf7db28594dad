import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';
import { deepFreeze } from '../common/frozen.ts';

/*
 * Within one HTTP request, reading the same object twice (by id or by key) asks the store once: a sign-in step
 * reads the user, its membership and its organisation from several places that each need them. Nothing lives
 * beyond the request, and any write through these stores during the request forgets everything they read so
 * far, so a request sees its own writes. Answers are shared and frozen through (src/common/frozen.ts): a caller
 * cannot change what another one reads, and nobody pays for a copy.
 */

const reads = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

export function requestCache(): Middleware {
  return (_ctx, next) => reads.run(new Map(), next);
}

/**
 * `load()` once per request under `slot`: concurrent and later callers in the same request share its answer,
 * a failure is not remembered, and outside a request every call loads. For the layers below the ports that
 * remember per request too (the read cache's generations, oidc-provider's interactions): a write through the
 * ports leaves those slots alone, and each layer drops what its own writes change with `forgetInRequest`.
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

/*
 * A write through a port forgets every port read: a port's write may change what another port reads. The
 * layers below keep their own slots: the read cache forgets the generations a write renews, and the KV store's
 * interactions are no port's to change.
 */
const PORT_READ = 'port\0';

function forgetPortReads(): void {
  const memo = reads.getStore();
  if (!memo) return;
  for (const slot of memo.keys()) if (slot.startsWith(PORT_READ)) memo.delete(slot);
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
        const value = await onceInRequest(`${PORT_READ}${portName}.${name}:${JSON.stringify(args)}`, () => method(...args));
        return deepFreeze(value);
      };
    } else if (isWrite(name)) {
      wrapped[name] = async (...args: unknown[]) => {
        forgetPortReads();
        try {
          return await method(...args);
        } finally {
          forgetPortReads();
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
