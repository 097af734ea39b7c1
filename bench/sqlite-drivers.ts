/**
 * Issue 10 figure: could Node's built-in SQLite (node:sqlite; Node 22.13+ without a flag, no warning from 24) replace
 * the sqlite3 addon, which `npm ci` compiles with node-gyp where no prebuilt binary is reachable? The store's own
 * pattern on a WAL file: N upserts of 1 KB JSON values under prefixed keys, then N reads, each awaited one by one as
 * the Keyv adapters do — sqlite3 through its callbacks (what @keyv/sqlite uses), node:sqlite through prepared
 * statements. Median of RUNS; printed, never asserted. On a Node without node:sqlite only sqlite3 is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const N = 5_000;
const value = JSON.stringify({ v: 1, value: { text: 'x'.repeat(1000) } });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const CREATE = 'CREATE TABLE IF NOT EXISTS keyv(key VARCHAR(255) PRIMARY KEY, value TEXT)';
const UPSERT = 'INSERT INTO keyv (key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value';
const SELECT = 'SELECT * FROM keyv WHERE key = ?';

interface Driver { exec(sql: string): Promise<void>; set(k: string, v: string): Promise<void>; get(k: string): Promise<unknown>; close(): Promise<void> }

async function sqlite3Driver(file: string): Promise<Driver> {
  const sqlite3 = require('sqlite3') as typeof import('sqlite3');
  const db = await new Promise<import('sqlite3').Database>((ok, fail) => {
    const d = new sqlite3.Database(file, (err) => (err ? fail(err) : ok(d)));
  });
  const call = <T>(fn: (cb: (err: Error | null, row?: T) => void) => void) => new Promise<T | undefined>((ok, fail) => fn((err, row) => (err ? fail(err) : ok(row))));
  return {
    exec: async (sql) => void (await call((cb) => db.exec(sql, cb))),
    set: async (k, v) => void (await call((cb) => db.run(UPSERT, [k, v], cb))),
    get: (k) => call((cb) => db.get(SELECT, [k], cb)),
    close: async () => void (await call((cb) => db.close(cb))),
  };
}

async function builtinDriver(file: string): Promise<Driver> {
  const { DatabaseSync } = require('node:sqlite') as typeof import('node:sqlite');
  const db = new DatabaseSync(file);
  let upsert: ReturnType<typeof db.prepare> | undefined;
  let select: ReturnType<typeof db.prepare> | undefined;
  return {
    exec: async (sql) => db.exec(sql),
    set: async (k, v) => void (upsert ??= db.prepare(UPSERT)).run(k, v),
    get: async (k) => (select ??= db.prepare(SELECT)).get(k),
    close: async () => db.close(),
  };
}

async function measure(open: (file: string) => Promise<Driver>): Promise<{ set: number; get: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'lt-sqlite-bench-'));
  try {
    const db = await open(join(dir, 'bench.sqlite'));
    await db.exec('PRAGMA journal_mode=WAL');
    await db.exec(CREATE);
    let t = performance.now();
    for (let i = 0; i < N; i++) await db.set(`livetranslate:cache:${i}`, value);
    const set = performance.now() - t;
    t = performance.now();
    for (let i = 0; i < N; i++) await db.get(`livetranslate:cache:${(i * 7919) % N}`);
    const get = performance.now() - t;
    await db.close();
    return { set, get };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function sqliteDriversBench(runs: number): Promise<string[]> {
  const drivers: Array<[string, (file: string) => Promise<Driver>]> = [['sqlite3 (addon, compiled at install)', sqlite3Driver]];
  let builtin = true;
  try {
    require('node:sqlite');
    drivers.push(['node:sqlite (built in)', builtinDriver]);
  } catch {
    builtin = false;
  }
  const rows: string[] = [];
  let base: { set: number; get: number } | undefined;
  for (const [name, open] of drivers) {
    const results = [];
    for (let i = 0; i < runs; i++) results.push(await measure(open));
    const m = { set: median(results.map((r) => r.set)), get: median(results.map((r) => r.get)) };
    base ??= m;
    const perOp = (ms: number) => `${((ms * 1000) / N).toFixed(0)} µs`;
    rows.push(`| ${name} | ${perOp(m.set)} | ${(base.set / m.set).toFixed(2)}× | ${perOp(m.get)} | ${(base.get / m.get).toFixed(2)}× |`);
  }
  if (!builtin) rows.push(`| node:sqlite | not in node ${process.version} | | | |`);
  return rows;
}
