import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../../src/common/frozen.ts';

describe('deepFreeze', () => {
  it('freezes a document and everything it holds, in place', () => {
    const doc = { id: 'm1', roles: [{ role: 'admin', scope: { type: 'project', ids: ['p1'] } }], note: null, count: 2 };
    expect(deepFreeze(doc)).toBe(doc);
    expect(() => { doc.count = 3; }).toThrow(TypeError);
    expect(() => doc.roles.push({ role: 'viewer', scope: { type: 'project', ids: [] } })).toThrow(TypeError);
    expect(() => doc.roles[0]!.scope.ids.push('p2')).toThrow(TypeError);
    expect(() => { doc.roles[0]!.scope.type = 'org'; }).toThrow(TypeError);
    expect(doc).toEqual({ id: 'm1', roles: [{ role: 'admin', scope: { type: 'project', ids: ['p1'] } }], note: null, count: 2 });
  });

  it('passes values that hold nothing through, and refuses binary data it cannot freeze', () => {
    expect(deepFreeze(undefined)).toBeUndefined();
    expect(deepFreeze('text')).toBe('text');
    expect(() => deepFreeze({ key: new Uint8Array([1]) })).toThrow(/binary data/);
  });

  it('finishes what a shallow freeze left: an object frozen on the outside only is frozen through', () => {
    const inner = { ids: ['a'] };
    const outer = Object.freeze({ inner });
    deepFreeze(outer);
    expect(Object.isFrozen(inner) && Object.isFrozen(inner.ids)).toBe(true);
  });
});
