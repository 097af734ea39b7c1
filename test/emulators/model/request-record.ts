// Helpers that turn an incoming request into a readable RecordedRequest, and the fault queue.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Fault } from './types.js';

/** Lower-cased headers as strings, the API key masked. */
export function maskHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (out['authorization'] !== undefined) out['authorization'] = 'Bearer ***';
  return out;
}

const KEEP_CHARS = 48;

/** Deep copy of a JSON body with long data URIs shortened; reports the decoded size of the first one. */
export function shortenBody(body: unknown): { body: unknown; inputBytes?: number } {
  let inputBytes: number | undefined;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!v.startsWith('data:') || v.length <= 200) return v;
      const comma = v.indexOf(',');
      const payload = comma < 0 ? v : v.slice(comma + 1);
      inputBytes ??= Buffer.byteLength(payload, 'base64');
      const head = comma < 0 ? v.slice(0, KEEP_CHARS) : v.slice(0, comma + 1) + payload.slice(0, KEEP_CHARS);
      return `${head}...[${payload.length} base64 chars, ${Buffer.byteLength(payload, 'base64')} bytes]`;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  const shortened = walk(body);
  return inputBytes === undefined ? { body: shortened } : { body: shortened, inputBytes };
}

/** Reads the whole body; `tooLarge` when it passed `limit` bytes (the rest is drained and dropped). */
export function readBody(req: IncomingMessage, limit: number): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= limit) parts.push(b);
    });
    req.on('end', () => resolve({ text: Buffer.concat(parts).toString('utf8'), tooLarge: size > limit }));
    req.on('error', reject);
  });
}

const FAULT_KINDS = new Set([
  'status',
  'arrearage',
  'input-moderation',
  'output-moderation',
  'cut',
  'slow',
  'stall',
  'length',
  'endless',
]);

/** Checks a fault coming from the control route; returns a message when it is malformed. */
export function faultProblem(f: unknown): string | undefined {
  if (typeof f !== 'object' || f === null) return 'a fault must be an object';
  const kind = (f as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !FAULT_KINDS.has(kind)) return `unknown fault kind ${JSON.stringify(kind)}`;
  const num = (k: string): boolean => typeof (f as Record<string, unknown>)[k] === 'number';
  if (kind === 'status' && !num('status')) return 'status fault needs a numeric status';
  if (['output-moderation', 'cut', 'stall'].includes(kind) && !num('afterChunks')) return `${kind} needs afterChunks`;
  if (kind === 'slow' && !num('chunkDelayMs')) return 'slow needs chunkDelayMs';
  return undefined;
}

/** Faults waiting for the next requests, each applied `times` times in order. */
export class FaultQueue {
  private queue: { fault: Fault; left: number; pass: number }[] = [];

  push(fault: Fault): void {
    this.queue.push({ fault, left: Math.max(1, fault.times ?? 1), pass: Math.max(0, fault.after ?? 0) });
  }

  /** The fault for the request that just arrived, if any. */
  take(): Fault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    if (head.pass > 0) {
      head.pass -= 1;
      return undefined;
    }
    head.left -= 1;
    if (head.left <= 0) this.queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queue = [];
  }
}
