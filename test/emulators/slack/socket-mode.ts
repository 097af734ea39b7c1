// Socket Mode: apps.connections.open hands out a single-use `ws://…/link/?ticket=…` URL; on connect the server
// sends `hello`, then envelopes `{envelope_id, type, payload, accepts_response_payload}`; the app acks each with
// `{envelope_id, payload?}`. The server pings every 5 s (@slack/socket-mode drops a link that has not been pinged
// for 30 s) and answers the client's pings (ws does that itself).

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { randomHex } from './clock-and-ids.js';

export interface SocketAck {
  envelope_id: string;
  payload?: unknown;
  at: number;
}

interface Waiter {
  resolve: (ack: SocketAck | undefined) => void;
  timer: NodeJS.Timeout;
}

export class SocketModeServer {
  readonly acks: SocketAck[] = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly waiters = new Map<string, Waiter>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly base: () => string,
    private readonly appId: string,
  ) {
    this.pinger = setInterval(() => {
      for (const s of this.sockets) if (s.readyState === s.OPEN) s.ping();
    }, 5000);
    this.pinger.unref();
  }

  /** A fresh WebSocket URL, as apps.connections.open returns it. */
  url(): string {
    const ticket = randomHex(16);
    this.tickets.add(ticket);
    return `${this.base().replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  get connected(): boolean {
    return this.sockets.some((s) => s.readyState === s.OPEN);
  }

  get connections(): number {
    return this.sockets.filter((s) => s.readyState === s.OPEN).length;
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.push(ws);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        let msg: { envelope_id?: unknown; payload?: unknown };
        try {
          msg = JSON.parse(String(data)) as typeof msg;
        } catch {
          return;
        }
        if (typeof msg.envelope_id !== 'string') return;
        const ack: SocketAck = { envelope_id: msg.envelope_id, ...(msg.payload !== undefined ? { payload: msg.payload } : {}), at: Date.now() };
        this.acks.push(ack);
        const w = this.waiters.get(ack.envelope_id);
        if (w) {
          clearTimeout(w.timer);
          this.waiters.delete(ack.envelope_id);
          w.resolve(ack);
        }
      });
      ws.on('close', () => {
        const i = this.sockets.indexOf(ws);
        if (i >= 0) this.sockets.splice(i, 1);
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.connections,
          debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: this.appId },
        }),
      );
    });
  }

  /** Sends an envelope on the newest open connection; resolves with the ack, or undefined after timeoutMs
   *  (a later ack is still recorded in `acks`, and given to onLate). */
  send(
    type: 'events_api' | 'interactive' | 'slash_commands',
    payload: Record<string, unknown>,
    acceptsResponsePayload: boolean,
    timeoutMs: number,
    onLate: (ack: SocketAck) => void,
  ): Promise<SocketAck | undefined> {
    const ws = [...this.sockets].reverse().find((s) => s.readyState === s.OPEN);
    if (!ws) return Promise.reject(new Error('Socket Mode: no open connection'));
    const envelopeId = `${randomHex(4)}-${randomHex(2)}-${randomHex(2)}-${randomHex(2)}-${randomHex(6)}`;
    const envelope = {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: acceptsResponsePayload,
      ...(type === 'events_api' ? { retry_attempt: 0, retry_reason: '' } : {}),
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.set(envelopeId, { resolve: (ack) => ack && onLate(ack), timer: setTimeout(() => this.waiters.delete(envelopeId), 60_000).unref() });
        resolve(undefined);
      }, timeoutMs);
      this.waiters.set(envelopeId, { resolve, timer });
      ws.send(JSON.stringify(envelope));
    });
  }

  disconnect(reason: string): void {
    for (const s of this.sockets) {
      if (s.readyState === s.OPEN) s.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-emulator' } }));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const w of this.waiters.values()) clearTimeout(w.timer);
    this.waiters.clear();
    for (const s of this.sockets) s.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
