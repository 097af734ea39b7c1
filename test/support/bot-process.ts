import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/** The built CLI (dist/ is brought up to date by the vitest globalSetup, test/support/build-dist.ts). */
export const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');

export interface BotProcess {
  child: ChildProcess;
  /** The ops server's port (/healthz, /metrics), from the "livetranslate running" log line. */
  port: number;
  /** Everything the process wrote to stderr (its JSON log) so far. */
  log(): string;
  /** The parsed JSON log lines so far (lines that are not JSON are skipped). */
  lines(): Array<Record<string, unknown>>;
  /** Sends `signal` and resolves with the exit code (null if killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const parse = (text: string) =>
  text.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });

/**
 * `livetranslate start` as a real process with exactly `env`; resolves once it logs "livetranslate running" (rejects
 * with the log's tail if it exits or does not get there within `timeoutMs`).
 */
export async function startBotProcess(env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<BotProcess> {
  const child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const port = await new Promise<number>((done, fail) => {
    const timer = setInterval(() => {
      const running = parse(log).find((l) => l.msg === 'livetranslate running');
      if (running) finish(() => done(Number(running.port)));
    }, 50);
    const deadline = setTimeout(() => finish(() => fail(new Error(`the bot did not start within ${timeoutMs} ms: ${log.slice(-800)}`))), timeoutMs);
    void exited.then((code) => finish(() => fail(new Error(`the bot exited (${code}) before it ran: ${log.slice(-800)}`))));
    let over = false;
    function finish(then: () => void) {
      if (over) return;
      over = true;
      clearInterval(timer);
      clearTimeout(deadline);
      then();
    }
  });
  return {
    child,
    port,
    log: () => log,
    lines: () => parse(log),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
