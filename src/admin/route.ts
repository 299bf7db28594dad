import type { z } from 'zod';
import type { Actor } from '../directory/actor.ts';

/*
 * An admin API operation, declared once: its zod schemas validate requests and generate the OpenAPI
 * document, so what is documented is what is enforced.
 */
export interface Operation<P = unknown, Q = unknown, B = unknown, R = unknown> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** OpenAPI-style path below /admin/v1, e.g. `/groups/{groupId}`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** Success status: 200 by default; 201 for creations; 204 for no content. */
  status?: 200 | 201 | 204;
  response?: z.ZodType<R>;
  /** Error codes this operation documents beyond the common ones. */
  errors?: readonly number[];
  handle(input: { actor: Actor; params: P; query: Q; body: B }): Promise<R>;
}

/** Keeps the inferred types of one operation while collecting many in a list. */
export function operation<P, Q, B, R>(spec: Operation<P, Q, B, R>): Operation {
  return spec as unknown as Operation;
}
