import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/common/errors.ts';
import { loadCatalog } from '../../../src/directory/catalog-file.ts';
import { defaultCatalog } from '../../../src/directory/default-catalog.ts';
import { expandBindings } from '../../../src/directory/permissions.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'bk-catalog-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('the catalog of a deployment', () => {
  it('is the default catalog when no file is configured', () => {
    expect(loadCatalog('')).toBe(defaultCatalog);
  });

  it('is the operator\'s file, with implications, composition and exclusions applied', async () => {
    const file = join(dir, 'catalog.yaml');
    await writeFile(file, `
permissions:
  - { id: "docs:read", label: Read, description: Read documents }
  - { id: "docs:write", label: Write, description: Write documents, implies: ["docs:read"] }
  - { id: "billing:manage", label: Billing, description: Pay }
roles:
  - { id: writer, label: Writer, description: Writes, permissions: ["docs:write"] }
  - { id: payer, label: Payer, description: Pays, permissions: ["billing:manage"] }
  - { id: lead, label: Lead, description: Leads, includes: [writer, payer], excludes: ["billing:manage"] }
`);
    const catalog = loadCatalog(file);
    expect(catalog.roles.map((r) => r.id)).toEqual(['writer', 'payer', 'lead']);
    expect(expandBindings(catalog, [{ role: 'lead' }]).permissions).toEqual(['docs:read', 'docs:write']);
  });

  it('refuses a file that cannot be parsed or does not hold together, naming the problems', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'permissions: [\n');
    expect(() => loadCatalog(broken)).toThrow(ValidationError);
    const inconsistent = join(dir, 'inconsistent.yaml');
    await writeFile(inconsistent, 'permissions: []\nroles:\n  - { id: r, label: R, description: R, permissions: ["nope:x"] }\n');
    const error = (() => { try { loadCatalog(inconsistent); } catch (caught) { return caught as ValidationError; } })();
    expect(error?.details.map((d) => d.path)).toEqual(['roles[0].permissions[0]']);
    expect(() => loadCatalog(join(dir, 'missing.yaml'))).toThrow(/cannot be read/);
  });
});
