// The CDN: attachment URLs signed like Discord's (?ex=<hex expiry>&is=<hex issued>&hm=<hex hmac>&), served with
// their bytes while the signature holds; expired or forged URLs get Discord's 404 text.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Clock } from './clock-and-ids.js';
import type { AttachmentState } from './world.js';

/** Discord's signed attachment links currently live 24 hours. */
export const CDN_URL_LIFETIME_SECS = 24 * 60 * 60;
const GONE = 'This content is no longer available.';

export class Cdn {
  private readonly secret = randomBytes(32);
  constructor(
    private readonly baseUrl: () => string,
    private readonly clock: Clock,
    private readonly lookup: (id: string) => AttachmentState | undefined,
  ) {}

  private static path(a: AttachmentState): string {
    return `/attachments/${a.channelId}/${a.id}/${encodeURIComponent(a.filename)}`;
  }

  private mac(path: string, ex: string, is: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${ex}\n${is}`).digest('hex');
  }

  private query(path: string): string {
    const issued = Math.floor(this.clock.now() / 1000);
    const ex = (issued + CDN_URL_LIFETIME_SECS).toString(16);
    const is = issued.toString(16);
    return `?ex=${ex}&is=${is}&hm=${this.mac(path, ex, is)}&`;
  }

  /** A fresh signed URL, as Discord hands out each time it serialises the message. */
  url(a: AttachmentState): string {
    const path = Cdn.path(a);
    return `${this.baseUrl()}${path}${this.query(path)}`;
  }

  /** The media-proxy flavour of the same link. */
  proxyUrl(a: AttachmentState): string {
    const path = Cdn.path(a);
    return `${this.baseUrl()}/media${path}${this.query(path)}`;
  }

  /** Handles /attachments/... and /media/attachments/...; returns false when the path is not a CDN path. */
  serve(method: string, url: URL, res: ServerResponse): boolean {
    const path = url.pathname.replace(/^\/media(?=\/attachments\/)/, '');
    const m = /^\/attachments\/(\d+)\/(\d+)\/([^/]+)$/.exec(path);
    if (!m) return false;
    const [, channelId, id] = m;
    const att = id ? this.lookup(id) : undefined;
    const ex = url.searchParams.get('ex') ?? '';
    const is = url.searchParams.get('is') ?? '';
    const hm = url.searchParams.get('hm') ?? '';
    const ok =
      att !== undefined &&
      att.channelId === channelId &&
      Cdn.path(att) === path &&
      /^[0-9a-f]+$/.test(ex) &&
      parseInt(ex, 16) * 1000 > this.clock.now() &&
      safeEqual(hm, this.mac(path, ex, is));
    if (!ok || !att) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(GONE) });
      res.end(GONE);
      return true;
    }
    res.writeHead(200, {
      'content-type': att.contentType || 'application/octet-stream',
      'content-length': att.data.length,
      'cache-control': 'public, max-age=31536000',
    });
    res.end(method === 'HEAD' ? undefined : att.data);
    return true;
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
