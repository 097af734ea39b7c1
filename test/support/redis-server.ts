import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * vitest globalSetup: a throwaway, real `redis-server` for the store tests (no persistence, 127.0.0.1, a free port,
 * its own temp dir), stopped at teardown. Tests read it with `testRedisUrl()` from `./redis-url.js`.
 *
 * - `TEST_REDIS_URL` already set: that server is used and nothing is started.
 * - `redis-server` missing or not answering: nothing throws here (tests that need no Redis still run); the reason
 *   is handed to the tests, and every Redis test fails with it. `npm test` installs redis-server first
 *   (`scripts/ensure-redis.sh`).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.TEST_REDIS_URL;
  if (given) {
    project.provide('testRedis', { url: given });
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'livetranslate-redis-'));
  let server: RunningRedis | undefined;
  try {
    server = await startThrowawayRedis(dir);
    process.env.TEST_REDIS_URL = server.url;
    project.provide('testRedis', { url: server.url });
  } catch (err) {
    project.provide('testRedis', { error: `could not start a test Redis: ${err instanceof Error ? err.message : String(err)}` });
  }
  return async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    testRedis: { url: string; error?: undefined } | { url?: undefined; error: string };
  }
}

export interface RunningRedis {
  url: string;
  stop(): Promise<void>;
}

/** Starts a redis-server (no persistence, 127.0.0.1, a free port, `dir` as its working dir) and waits for PONG. */
export async function startThrowawayRedis(dir: string, attempts = 3): Promise<RunningRedis> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)));
    const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
    try {
      await waitForPong(port, child, spawnError, 10_000);
      return { url: `redis://127.0.0.1:${port}`, stop: () => stop(child) };
    } catch (err) {
      await stop(child);
      const message = err instanceof Error ? err.message : String(err);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('redis-server is not on PATH', { cause: err });
      if (attempt >= attempts) {
        throw new Error(`${message}; redis-server said: ${output.trim().split('\n').slice(-3).join(' | ')}`, { cause: err });
      }
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForPong(port: number, child: ChildProcess, spawnError: Promise<Error>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const exited = new Promise<Error>((resolve) => child.once('exit', (code) => resolve(new Error(`redis-server exited with code ${code}`))));
  while (Date.now() < deadline) {
    const outcome = await Promise.race([ping(port).then((ok) => (ok ? 'pong' : 'retry')), spawnError, exited]);
    if (outcome === 'pong') return;
    if (outcome instanceof Error) throw outcome;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within ${timeoutMs} ms`);
}

/** One raw RESP PING; true on +PONG. */
async function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}
