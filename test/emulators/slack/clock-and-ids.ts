// Slack's clock, message timestamps and the shapes of its ids.

import { randomBytes } from 'node:crypto';

export class Clock {
  private offset = 0;
  constructor(private readonly base: () => number = Date.now) {}
  now(): number {
    return this.base() + this.offset;
  }
  advance(ms: number): void {
    this.offset += ms;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** e.g. id('C') → 'C08ABCD1234': a prefix letter and 10 upper-case alphanumerics, like Slack's. */
export function slackId(prefix: string, length = 10): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Message timestamps: "seconds.micros", unique and increasing within a workspace. */
export class TsSource {
  private last = 0;
  constructor(private readonly clock: Clock) {}
  next(): string {
    const micros = Math.max(this.last + 1, Math.floor(this.clock.now() * 1000));
    this.last = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }
}

/** trigger_id as Slack formats it: "<digits>.<digits>.<hex>". */
export const triggerId = (clock: Clock): string =>
  `${Math.floor(clock.now() / 1000)}${String(Math.floor(Math.random() * 1e3)).padStart(3, '0')}.${Math.floor(
    Math.random() * 1e10,
  )}.${randomHex(16)}`;

const EXT_TYPES: Record<string, [filetype: string, mimetype: string]> = {
  mp3: ['mp3', 'audio/mpeg'],
  m4a: ['m4a', 'audio/mp4'],
  ogg: ['ogg', 'audio/ogg'],
  opus: ['ogg', 'audio/ogg'],
  oga: ['ogg', 'audio/ogg'],
  wav: ['wav', 'audio/wav'],
  webm: ['webm', 'audio/webm'],
  mp4: ['mp4', 'video/mp4'],
  mov: ['mov', 'video/quicktime'],
  txt: ['text', 'text/plain'],
  json: ['json', 'application/json'],
  png: ['png', 'image/png'],
  jpg: ['jpg', 'image/jpeg'],
};

/** Slack's `filetype` and a mimetype for a file name (Slack sniffs uploads; we go by the extension). */
export function typesForName(name: string): { filetype: string; mimetype: string } {
  const ext = name.includes('.') ? name.split('.').pop()!.toLowerCase() : '';
  const t = EXT_TYPES[ext];
  return t ? { filetype: t[0], mimetype: t[1] } : { filetype: 'binary', mimetype: 'application/octet-stream' };
}

/** filetype for a user's file from its mimetype (webm/mp4 clips keep their container name). */
export function filetypeFor(name: string, mimetype: string): string {
  const byName = typesForName(name);
  if (byName.filetype !== 'binary') return byName.filetype;
  const sub = mimetype.split('/')[1] ?? 'binary';
  return sub === 'mpeg' ? 'mp3' : sub;
}
