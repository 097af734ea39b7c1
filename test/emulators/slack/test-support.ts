// Shared by the emulator's tests: an emulator with a channel and a user, and real Bolt apps pointed at it
// (HTTP receiver on an ephemeral port, or Socket Mode), with a logger that keeps lines instead of printing.

import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { App, LogLevel, SocketModeReceiver, type AppOptions, type Logger } from '@slack/bolt';
import { startSlackEmulator, type Channel, type SlackEmulator, type StartOptions, type User } from './index.js';

export interface KeptLogger extends Logger {
  lines: { level: string; text: string }[];
}

export function keptLogger(): KeptLogger {
  const lines: { level: string; text: string }[] = [];
  const keep = (level: string) => (...msg: unknown[]) => {
    lines.push({ level, text: msg.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ') });
  };
  let level = LogLevel.DEBUG;
  return {
    lines,
    debug: keep('debug'),
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export interface TestWorld {
  emu: SlackEmulator;
  channel: Channel;
  alice: User;
  apps: App[];
  /** A Bolt app with the HTTP receiver on 127.0.0.1:<free port>, started; the emulator's endpoint points at it. */
  httpApp(opts?: Partial<AppOptions>): Promise<{ app: App; logger: KeptLogger }>;
  /** A Bolt app in Socket Mode, started (connected and hello received). `clientPingTimeout` (default 5000 ms)
   *  is also @slack/socket-mode's wait before reconnecting: tests shorten it with their own receiver. */
  socketApp(opts?: Partial<AppOptions>, clientPingTimeout?: number): Promise<{ app: App; logger: KeptLogger }>;
  close(): Promise<void>;
}

export async function startWorld(options: StartOptions = {}): Promise<TestWorld> {
  const emu = await startSlackEmulator(options);
  const channel = emu.createChannel({ name: 'general' });
  const alice = emu.createUser({ name: 'alice', locale: 'ja-JP' });
  const apps: App[] = [];
  const base = (logger: KeptLogger): AppOptions => ({
    token: emu.botToken,
    signingSecret: emu.signingSecret,
    logger,
    clientOptions: { slackApiUrl: emu.apiUrl },
  });
  return {
    emu,
    channel,
    alice,
    apps,
    async httpApp(opts = {}) {
      const logger = keptLogger();
      const app = new App({ ...base(logger), ...opts });
      apps.push(app);
      const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
      emu.setBotEndpoint(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`);
      return { app, logger };
    },
    async socketApp(opts = {}, clientPingTimeout) {
      const logger = keptLogger();
      const receiver =
        clientPingTimeout === undefined
          ? undefined
          : new SocketModeReceiver({ appToken: emu.appToken, logger, clientPingTimeout, installerOptions: { clientOptions: { slackApiUrl: emu.apiUrl } } });
      const app = new App({ ...base(logger), socketMode: true, appToken: emu.appToken, ...(receiver ? { receiver } : {}), ...opts });
      apps.push(app);
      await app.start();
      await emu.waitFor(() => emu.socketMode.connected);
      return { app, logger };
    },
    async close() {
      await Promise.all(apps.map((a) => a.stop().catch(() => undefined)));
      await emu.close();
    },
  };
}

/** A few bytes that look like an M4A (ftyp box) — enough for a download round trip. */
export function fakeM4a(size = 1024): Buffer {
  const head = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x4d, 0x34, 0x41, 0x20]);
  return Buffer.concat([head, Buffer.alloc(Math.max(0, size - head.length), 0x42)]);
}
