import type { Entity, Where } from '../../common/entity.ts';
import { ConflictError } from '../../common/errors.ts';
import type { CollectionSpec, DocumentCollection } from '../collection.ts';

type SqlValue = string | number | null;

export interface SqlRunner {
  all(sql: string, params: readonly SqlValue[]): Record<string, unknown>[];
  get(sql: string, params: readonly SqlValue[]): Record<string, unknown> | undefined;
  /** @returns the number of changed rows */
  run(sql: string, params: readonly SqlValue[]): number;
  transaction<R>(work: () => R): R;
}

/*
 * A collection as a table of JSON documents. Unique keys live in the shared `unique_keys` table, written in
 * the same transaction as the document, so a document and its keys can never disagree.
 */
export function createSqliteCollection<T extends Entity>(sql: SqlRunner, spec: CollectionSpec<T>): DocumentCollection<T> {
  const table = quote(spec.name);

  function keysOf(doc: T): [string, string][] {
    const keys: [string, string][] = [];
    for (const [name, derive] of Object.entries(spec.unique)) {
      const values = derive(doc);
      for (const value of typeof values === 'string' ? [values] : new Set(values)) keys.push([name, value]);
    }
    return keys;
  }

  function claimKeys(doc: T): void {
    sql.run('DELETE FROM unique_keys WHERE collection = ? AND id = ?', [spec.name, doc.id]);
    for (const [key, value] of keysOf(doc)) {
      const holder = sql.get('SELECT id FROM unique_keys WHERE collection = ? AND key = ? AND value = ?', [spec.name, key, value]);
      if (holder) throw new ConflictError(spec.noun, key);
      sql.run('INSERT INTO unique_keys (collection, key, value, id) VALUES (?, ?, ?, ?)', [spec.name, key, value, doc.id]);
    }
  }

  function parse(row: Record<string, unknown> | undefined): T | undefined {
    return row ? (JSON.parse(row.body as string) as T) : undefined;
  }

  function insertOne(doc: T): void {
    if (sql.get(`SELECT 1 FROM ${table} WHERE id = ?`, [doc.id])) throw new ConflictError(spec.noun, 'id');
    claimKeys(doc);
    sql.run(`INSERT INTO ${table} (id, version, body) VALUES (?, ?, ?)`, [doc.id, doc.version, JSON.stringify(doc)]);
  }

  return {
    async insert(doc) {
      sql.transaction(() => insertOne(doc));
    },

    async insertMany(docs) {
      sql.transaction(() => docs.forEach(insertOne));
    },

    async findById(id) {
      return parse(sql.get(`SELECT body FROM ${table} WHERE id = ?`, [id]));
    },

    async findByKey(key, value) {
      return parse(sql.get(
        `SELECT d.body FROM unique_keys k JOIN ${table} d ON d.id = k.id
         WHERE k.collection = ? AND k.key = ? AND k.value = ?`,
        [spec.name, key, value],
      ));
    },

    async findOne(where) {
      const filter = toSql(where);
      return parse(sql.get(`SELECT body FROM ${table} WHERE ${filter.clause} ORDER BY id LIMIT 1`, filter.params));
    },

    async list(where, afterId, limit) {
      const filter = toSql(where);
      const after = afterId === undefined ? '' : ' AND id > ?';
      const params = afterId === undefined ? filter.params : [...filter.params, afterId];
      return sql
        .all(`SELECT body FROM ${table} WHERE ${filter.clause}${after} ORDER BY id LIMIT ?`, [...params, limit])
        .map((row) => JSON.parse(row.body as string) as T);
    },

    async count(where) {
      const filter = toSql(where);
      return Number(sql.get(`SELECT COUNT(*) AS n FROM ${table} WHERE ${filter.clause}`, filter.params)?.n ?? 0);
    },

    async replace(doc, expectedVersion) {
      return sql.transaction(() => {
        const current = sql.get(`SELECT 1 FROM ${table} WHERE id = ? AND version = ?`, [doc.id, expectedVersion]);
        if (!current) return false;
        claimKeys(doc);
        sql.run(`UPDATE ${table} SET version = ?, body = ? WHERE id = ?`, [doc.version, JSON.stringify(doc), doc.id]);
        return true;
      });
    },

    async remove(id) {
      return sql.transaction(() => {
        sql.run('DELETE FROM unique_keys WHERE collection = ? AND id = ?', [spec.name, id]);
        return sql.run(`DELETE FROM ${table} WHERE id = ?`, [id]) > 0;
      });
    },
  };
}

/** Translates the backend-neutral `Where` into a SQL condition over the JSON body. */
function toSql<T>(where: Where<T>): { clause: string; params: SqlValue[] } {
  const clauses: string[] = ['1 = 1'];
  const params: SqlValue[] = [];
  for (const [field, condition] of Object.entries(where as Record<string, unknown>)) {
    if (condition === undefined) continue;
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(field)) throw new Error(`cannot filter on field "${field}"`);
    const column = field === 'id' ? 'id' : `json_extract(body, '$.${field}')`;
    if (condition === null) {
      clauses.push(`${column} IS NULL`);
    } else if (typeof condition !== 'object') {
      clauses.push(`${column} = ?`);
      params.push(sqlValue(condition));
    } else if ('$in' in condition) {
      const values = (condition.$in as unknown[]).map(sqlValue);
      clauses.push(values.length === 0 ? '0 = 1' : `${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    } else if ('$contains' in condition) {
      clauses.push(`EXISTS (SELECT 1 FROM json_each(body, '$.${field}') WHERE value = ?)`);
      params.push(sqlValue(condition.$contains));
    } else if ('$gte' in condition || '$lt' in condition) {
      const range = condition as { $gte?: unknown; $lt?: unknown };
      if (range.$gte !== undefined) { clauses.push(`${column} >= ?`); params.push(sqlValue(range.$gte)); }
      if (range.$lt !== undefined) { clauses.push(`${column} < ?`); params.push(sqlValue(range.$lt)); }
    } else {
      throw new Error(`unsupported condition on "${field}"`);
    }
  }
  return { clause: clauses.join(' AND '), params };
}

function sqlValue(value: unknown): SqlValue {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' || typeof value === 'number' || value === null) return value;
  throw new Error(`cannot filter on a value of type ${typeof value}`);
}

export function quote(identifier: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(identifier)) throw new Error(`unsafe SQL identifier: ${identifier}`);
  return `"${identifier}"`;
}
