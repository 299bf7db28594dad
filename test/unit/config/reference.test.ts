import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../../src/config/reference.ts';

describe('configuration reference', () => {
  it('README.md carries the table generated from the schema', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = '<!-- config-reference:start -->\n';
    const section = readme.slice(readme.indexOf(start) + start.length, readme.indexOf('<!-- config-reference:end -->'));
    expect(section.trim()).toBe(configReference());
  });

  it('documents every key', () => {
    for (const row of configReference().split('\n').slice(2)) {
      expect(row.split('|')[5]?.trim()).not.toBe('');
    }
  });
});
