import { describe, expect, it } from 'vitest';
import type { KvStore } from '../../../src/common/kv.ts';
import { createGrantContexts } from '../../../src/oidc/grant-context.ts';
import { createMemoryKv } from '../../../src/store/kv/memory.ts';
import { requestCache } from '../../../src/store/request-cache.ts';

describe('grant contexts', () => {
  it('are read from the KV store once per request, and afresh after the request saves one', async () => {
    const memory = createMemoryKv();
    let reads = 0;
    const counting: KvStore = { ...memory, get: (key) => (reads++, memory.get(key)) };
    const contexts = createGrantContexts(counting);
    await contexts.save('grant-1', { orgId: 'org-a' }, 60);
    await requestCache()({} as never, async () => {
      expect(await contexts.find('grant-1')).toEqual({ orgId: 'org-a' });
      expect(await contexts.find('grant-1')).toEqual({ orgId: 'org-a' });
      expect(await contexts.find('grant-2')).toBeUndefined();
      expect(reads).toBe(2);
      await contexts.save('grant-1', { orgId: 'org-b' }, 60);
      expect(await contexts.find('grant-1')).toEqual({ orgId: 'org-b' });
      expect(reads).toBe(3);
    });
    reads = 0;
    await contexts.find('grant-1');
    await contexts.find('grant-1');
    expect(reads).toBe(2);
    await memory.close();
  });
});
