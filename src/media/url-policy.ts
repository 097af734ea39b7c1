import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { TranslateError } from '../errors.js';

/**
 * Which URLs the bot may fetch on a user's behalf (the CLI's `translate <url>`): public http(s) addresses only, so a
 * URL cannot make the bot read a service on its own machine, its network, or a cloud metadata endpoint.
 *
 * Contract:
 * - Refused with `URL_NOT_ALLOWED`: any scheme but http/https; `localhost` and `*.localhost`; and a host that is, or
 *   resolves to (any one of all its addresses), a loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16,
 *   fc00::/7), link-local (169.254/16 — including 169.254.169.254 — and fe80::/10), unspecified (0/8, ::), shared
 *   CGNAT (100.64/10), multicast or reserved (224/4, 240/4, ff00::/8) address, also when written as IPv4-mapped
 *   (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d, RFC 2765), NAT64
 *   (64:ff9b::/96, RFC 6052) or 6to4 (2002::/16, RFC 3056) IPv6, or as Teredo (2001::/32, RFC 4380: the server's
 *   IPv4 in bits 32–63, the client's in the last 32 bits, inverted). Local-use NAT64 (64:ff9b:1::/48, RFC 8215)
 *   translates into the operator's own network, so all of it counts as private. The URL parser
 *   normalises numeric hosts first, so `http://2130706433/` and `http://0x7f.1/` are 127.0.0.1.
 * - A host that does not resolve fails with `DOWNLOAD_FAILED`.
 * - `allowPrivate: true` keeps only the scheme check (a deliberate opt-in, e.g. for a local file server or emulator).
 * - `publicOnlyFetch` applies the check to the first URL and to every redirect hop, which `checkPublicUrl` alone cannot.
 * - Limitation: the check resolves the name, then fetch resolves it again; a DNS server that answers differently the
 *   second time (DNS rebinding) is not stopped. Pinning the checked address needs a custom connect, not plain fetch.
 */

/** A promise-returning resolver with `all: true`, e.g. `dns.promises.lookup` (the default); inject one in tests. */
export type LookupAll = (
  hostname: string, options: { all: true; verbatim?: boolean },
) => Promise<Array<{ address: string; family: number }>>;

export interface UrlPolicyOptions {
  /** Skip the address checks (the scheme is still checked). */
  allowPrivate?: boolean;
  lookup?: LookupAll;
}

const RANGES: Array<[reason: string, v4: string[], v6: string[]]> = [
  ['loopback', ['127.0.0.0/8'], ['::1/128']],
  ['unspecified', ['0.0.0.0/8'], ['::/128']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '192.0.0.0/24'], ['fc00::/7', '64:ff9b:1::/48']],
  ['link-local', ['169.254.0.0/16'], ['fe80::/10']],
  ['shared (CGNAT)', ['100.64.0.0/10'], []],
  ['multicast or reserved', ['224.0.0.0/4', '240.0.0.0/4', '198.18.0.0/15'], ['ff00::/8']],
];

const LISTS = RANGES.map(([reason, v4, v6]) => {
  const list = new BlockList();
  for (const range of v4) list.addSubnet(range.split('/')[0]!, Number(range.split('/')[1]), 'ipv4');
  for (const range of v6) list.addSubnet(range.split('/')[0]!, Number(range.split('/')[1]), 'ipv6');
  return [reason, list] as const;
});

/** The eight 16-bit words of an IPv6 address (zone dropped, dotted IPv4 tail allowed), or undefined if malformed. */
function ipv6Words(ip: string): number[] | undefined {
  let s = ip.toLowerCase().split('%')[0]!;
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  const words = [...head, ...Array<string>(Math.max(fill, 0)).fill('0'), ...rest].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => w >= 0 && w <= 0xffff) ? words : undefined;
}

/** The IPv4 addresses an IPv6 address carries (mapped, compatible, translated, NAT64, 6to4, Teredo), if any. */
function embeddedIPv4(words: number[]): string[] {
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  const [w0, w1, w2, w3, w4, w5, w6, w7] = words as [number, number, number, number, number, number, number, number];
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0 && (w5 === 0xffff || w5 === 0)) return [v4(w6, w7)];
  if (w0 === 0 && w1 === 0 && w2 === 0 && w3 === 0 && w4 === 0xffff && w5 === 0) return [v4(w6, w7)];
  if (w0 === 0x64 && w1 === 0xff9b && w2 === 0 && w3 === 0 && w4 === 0 && w5 === 0) return [v4(w6, w7)];
  if (w0 === 0x2002) return [v4(w1, w2)];
  if (w0 === 0x2001 && w1 === 0) return [v4(w2, w3), v4(~w6 & 0xffff, ~w7 & 0xffff)];
  return [];
}

/**
 * Why an IP address is not public (`'loopback'`, `'private'`, `'link-local'`, `'unspecified'`, `'shared (CGNAT)'`,
 * `'multicast or reserved'`), or undefined for a public address. Not an IP address at all counts as `'invalid'`.
 */
export function blockedAddressReason(ip: string): string | undefined {
  const family = isIP(ip.split('%')[0]!);
  if (family === 4) return LISTS.find(([, list]) => list.check(ip, 'ipv4'))?.[0];
  if (family !== 6) return 'invalid';
  const words = ipv6Words(ip);
  if (!words) return 'invalid';
  const own = LISTS.find(([, list]) => list.check(ip.split('%')[0]!, 'ipv6'))?.[0];
  if (own) return own;
  for (const inner of embeddedIPv4(words)) {
    const reason = blockedAddressReason(inner);
    if (reason) return reason;
  }
  return undefined;
}

/**
 * Resolves when `url` is an http(s) URL whose host is public (see the contract above); throws `URL_NOT_ALLOWED`
 * (or `DOWNLOAD_FAILED` when the name does not resolve) otherwise. The error detail names the host, never the path.
 */
export async function checkPublicUrl(url: string, options: UrlPolicyOptions = {}): Promise<void> {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new TranslateError('URL_NOT_ALLOWED', parsed ? `(${parsed.protocol} addresses are not fetched)` : undefined);
  }
  if (options.allowPrivate) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    throw new TranslateError('URL_NOT_ALLOWED', `(${host} is a loopback address)`);
  }
  if (isIP(host)) {
    const reason = blockedAddressReason(host);
    if (reason) throw new TranslateError('URL_NOT_ALLOWED', `(${host} is a ${reason} address)`);
    return;
  }
  const lookup: LookupAll = options.lookup ?? dnsLookup;
  const addresses = await lookup(host, { all: true, verbatim: true }).catch((cause: unknown) => {
    throw new TranslateError('DOWNLOAD_FAILED', `(${host} could not be resolved)`, { cause });
  });
  if (addresses.length === 0) throw new TranslateError('DOWNLOAD_FAILED', `(${host} could not be resolved)`);
  for (const { address } of addresses) {
    const reason = blockedAddressReason(address);
    if (reason) throw new TranslateError('URL_NOT_ALLOWED', `(${host} resolves to a ${reason} address, ${address})`);
  }
}

export interface PublicFetchOptions extends UrlPolicyOptions {
  /** The fetch to wrap (default: the global one). */
  fetch?: typeof fetch;
  /** Redirects followed before giving up with `DOWNLOAD_FAILED`. Default 5. */
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Dropped when a redirect leaves the origin, as fetch itself does. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * A fetch that runs `check` on the first URL and on every redirect hop before requesting it (following redirects
 * itself, with `redirect: 'manual'`, dropping credentials on a cross-origin hop, as fetch does), and on the final
 * response's URL. A `Request` input is reduced to its url, method and headers. A caller asking for
 * `redirect: 'manual'` or `'error'` gets one checked request and the redirect as it is. `checkFinalUrl` also checks
 * the response's own URL (for a transport that might follow redirects by itself).
 */
function checkedFetch(
  base: typeof fetch, check: (url: string) => Promise<void> | void, maxRedirects: number, checkFinalUrl: boolean,
): typeof fetch {
  return async (input, init) => {
    let url = input instanceof Request ? input.url : String(input);
    if (init?.redirect === 'manual' || init?.redirect === 'error') {
      await check(url);
      return base(url, init);
    }
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    let method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    let body = init?.body;
    for (let hop = 0; ; hop++) {
      await check(url);
      const res = await base(url, { ...init, method, headers, body, redirect: 'manual' });
      const location = res.headers.get('location');
      if (!REDIRECTS.has(res.status) || !location) {
        // a transport that followed redirects by itself anyway: its final URL must pass too, before the body is read
        if (checkFinalUrl && res.url && res.url !== url) {
          try {
            await check(res.url);
          } catch (err) {
            await res.body?.cancel();
            throw err;
          }
        }
        return res;
      }
      await res.body?.cancel();
      if (hop >= maxRedirects) throw new TranslateError('DOWNLOAD_FAILED', `(more than ${maxRedirects} redirects)`);
      const next = new URL(location, url);
      if (next.origin !== new URL(url).origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      if (res.status === 303 || (method === 'POST' && res.status !== 307 && res.status !== 308)) {
        method = 'GET';
        body = undefined;
      }
      url = next.href;
    }
  };
}

/**
 * A fetch that runs `checkPublicUrl` before the request and before following each redirect. Pass it as
 * `IntakeOptions.fetch` for URLs a user typed.
 */
export function publicOnlyFetch(options: PublicFetchOptions = {}): typeof fetch {
  return checkedFetch(options.fetch ?? fetch, (url) => checkPublicUrl(url, options), options.maxRedirects ?? 5, false);
}

/**
 * A `fetch` for chat-triggered downloads: only the platform's own file hosts (e.g. Discord's CDN, Slack's file
 * host, or an emulator's address). An entry matches a URL's `host` (name:port) or its hostname. The first URL is
 * checked before anything is sent, and every redirect hop before it is followed (so a redirect through another
 * host is never requested), and the final URL before the body is read.
 */
export function platformHostsFetch(hosts: readonly string[], base: typeof fetch = fetch, maxRedirects = 5): typeof fetch {
  const check = (url: string) => {
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed && (hosts.includes(parsed.host) || hosts.includes(parsed.hostname))) return;
    throw new TranslateError('URL_NOT_ALLOWED', `(${parsed ? parsed.host : 'bad URL'} is not one of this chat platform's file hosts)`);
  };
  return checkedFetch(base, check, maxRedirects, true);
}
