import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isTranslateError } from '../errors.js';
import { readSource } from './read-source.js';
import { blockedAddressReason, checkPublicUrl, platformHostsFetch, publicOnlyFetch, type LookupAll } from './url-policy.js';

/** A resolver answering from a table; unknown names fail like ENOTFOUND. No real DNS. */
function fakeLookup(table: Record<string, string[]>): LookupAll & ReturnType<typeof vi.fn> {
  return vi.fn(async (host: string) => {
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  });
}

async function refusal(url: string, lookup: LookupAll = fakeLookup({})): Promise<string> {
  const err: unknown = await checkPublicUrl(url, { lookup }).then(() => undefined, (e: unknown) => e);
  if (!isTranslateError(err)) throw new Error(`expected a TranslateError for ${url}, got ${String(err)}`);
  return err.code;
}

describe('blockedAddressReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['127.255.0.9', 'loopback'], ['::1', 'loopback'],
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['192.168.1.1', 'private'],
    ['fc00::1', 'private'], ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'link-local'], ['fe80::1', 'link-local'], ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
    ['100.64.0.1', 'shared (CGNAT)'], ['100.127.255.254', 'shared (CGNAT)'],
    ['::ffff:127.0.0.1', 'loopback'], ['::ffff:7f00:1', 'loopback'], ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'], ['::ffff:10.0.0.1', 'private'], ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'], ['::ffff:100.64.0.1', 'shared (CGNAT)'], ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['2002:7f00:1::', 'loopback'], ['224.0.0.1', 'multicast or reserved'], ['ff02::1', 'multicast or reserved'],
    ['64:ff9b:1::808:808', 'private'], ['64:ff9b:1:ffff::1', 'private'], // local-use NAT64 (RFC 8215)
    ['::ffff:0:7f00:1', 'loopback'], ['::ffff:0:a9fe:a9fe', 'link-local'], ['::ffff:0:10.0.0.1', 'private'], // RFC 2765
    // Teredo (RFC 4380): server IPv4 in bits 32-63; client IPv4 inverted in the last 32 bits (~127.0.0.1 = 80ff:fffe)
    ['2001:0:7f00:1::', 'loopback'], ['2001:0:808:808::80ff:fffe', 'loopback'], ['2001:0:808:808::5601:5601', 'link-local'],
    ['not-an-ip', 'invalid'],
  ])('%s is %s', (ip, reason) => {
    expect(blockedAddressReason(ip)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.15.255.255', '172.32.0.1', '100.63.255.255', '100.128.0.1', '169.253.0.1',
    '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2a00:1450::1', '::ffff:0:808:808',
    '2001:0:808:808::f7f7:f7f7', '2001:db9::1'])('%s is public', (ip) => {
    expect(blockedAddressReason(ip)).toBeUndefined();
  });
});

describe('checkPublicUrl', () => {
  it('accepts a public http(s) URL after resolving every address of its host', async () => {
    const lookup = fakeLookup({ 'cdn.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    await expect(checkPublicUrl('https://cdn.example.com/a/b.ogg?sig=abc', { lookup })).resolves.toBeUndefined();
    await expect(checkPublicUrl('http://8.8.8.8/x.mp3', { lookup })).resolves.toBeUndefined();
    expect(lookup).toHaveBeenCalledTimes(1);
    expect(lookup).toHaveBeenCalledWith('cdn.example.com', { all: true, verbatim: true });
  });

  it.each([
    'http://127.0.0.1:8080/admin', 'http://[::1]/', 'http://localhost/x', 'http://LOCALHOST./x', 'http://api.localhost/x',
    'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:169.254.169.254]/', 'http://[::ffff:127.0.0.1]:3000/',
    'http://10.0.0.8/a.mp3', 'http://192.168.0.1/', 'http://172.20.1.1/', 'http://100.100.100.200/', 'http://0.0.0.0:3000/',
    'http://[::]/', 'http://[fe80::1]/', 'http://[fd00::5]/',
    // the URL parser turns these spellings into 127.0.0.1
    'http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://127.1/',
  ])('refuses %s without any lookup', async (url) => {
    const lookup = fakeLookup({});
    expect(await refusal(url, lookup)).toBe('URL_NOT_ALLOWED');
    expect(lookup).not.toHaveBeenCalled();
  });

  it.each(['file:///etc/passwd', 'ftp://example.com/a.mp3', 'data:audio/wav;base64,AAAA', 'gopher://x/', 'not a url'])(
    'refuses the scheme of %s', async (url) => {
      expect(await refusal(url)).toBe('URL_NOT_ALLOWED');
    },
  );

  it('refuses a name when any of its addresses is private, naming host and address but not the path', async () => {
    const lookup = fakeLookup({ 'rebind.example': ['93.184.216.34', '10.0.0.7'], 'meta.example': ['::ffff:169.254.169.254'] });
    const err = await checkPublicUrl('https://rebind.example/secret-path?token=t', { lookup }).catch((e: unknown) => e);
    expect(isTranslateError(err, 'URL_NOT_ALLOWED')).toBe(true);
    expect((err as Error).message).toContain('rebind.example resolves to a private address, 10.0.0.7');
    expect((err as Error).message).not.toContain('secret-path');
    expect(await refusal('http://meta.example/', lookup)).toBe('URL_NOT_ALLOWED');
  });

  it('fails with DOWNLOAD_FAILED when the name does not resolve', async () => {
    expect(await refusal('https://nowhere.invalid/a.mp3')).toBe('DOWNLOAD_FAILED');
    expect(await refusal('https://empty.example/a.mp3', fakeLookup({ 'empty.example': [] }))).toBe('DOWNLOAD_FAILED');
  });

  it('allowPrivate keeps only the scheme check', async () => {
    const lookup = fakeLookup({});
    await expect(checkPublicUrl('http://127.0.0.1:9/x', { allowPrivate: true, lookup })).resolves.toBeUndefined();
    await expect(checkPublicUrl('http://intranet.corp/x', { allowPrivate: true, lookup })).resolves.toBeUndefined();
    await expect(checkPublicUrl('file:///etc/passwd', { allowPrivate: true, lookup })).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    expect(lookup).not.toHaveBeenCalled();
  });
});

describe('publicOnlyFetch', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A local server that redirects `/go?to=<url>` and answers anything else with a few bytes and the request headers. */
  async function server(): Promise<string> {
    const s = createServer((req, res) => {
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to) res.writeHead(302, { location: to }).end();
      else res.writeHead(200, { 'content-type': 'audio/wav' }).end(JSON.stringify({ auth: req.headers.authorization ?? null }));
    });
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  // Names of the fake resolver stand for the local test server: "public.example" passes as public (its fake address
  // is public), and the base fetch below sends it to 127.0.0.1 where the server really is.
  const lookup = fakeLookup({ 'public.example': ['93.184.216.34'], 'other.example': ['93.184.216.35'], 'internal.example': ['10.0.0.9'] });
  function viaLocal(base: string): typeof fetch {
    return (input, init) => fetch(String(input).replace(/^http:\/\/(public|other|internal)\.example/, base), init);
  }

  it('refuses a redirect into a private address before following it', async () => {
    const base = await server();
    const guarded = publicOnlyFetch({ lookup, fetch: viaLocal(base) });
    const target = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
    await expect(guarded(`http://public.example/go?to=${target}`)).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    const viaName = encodeURIComponent('http://internal.example/x');
    await expect(guarded(`http://public.example/go?to=${viaName}`)).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
  });

  it('follows public redirects and drops credentials when the origin changes', async () => {
    const base = await server();
    const guarded = publicOnlyFetch({ lookup, fetch: viaLocal(base) });
    const headers = { authorization: 'Bearer user-token' };
    const same = await guarded(`http://public.example/go?to=${encodeURIComponent('/file.wav')}`, { headers });
    expect(await same.json()).toEqual({ auth: 'Bearer user-token' });
    const cross = await guarded(`http://public.example/go?to=${encodeURIComponent('http://other.example/file.wav')}`, { headers });
    expect(cross.status).toBe(200);
    expect(await cross.json()).toEqual({ auth: null });
  });

  it('gives up after maxRedirects', async () => {
    const base = await server();
    const guarded = publicOnlyFetch({ lookup, fetch: viaLocal(base), maxRedirects: 1 });
    const loop = `http://public.example/go?to=${encodeURIComponent(`http://public.example/go?to=${encodeURIComponent('/x')}`)}`;
    await expect(guarded(loop)).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED' });
  });

  it('makes readSource refuse a private URL with URL_NOT_ALLOWED (not "did not answer")', async () => {
    const base = await server();
    const source = { kind: 'url' as const, url: `${base}/file.wav` };
    await expect(readSource(source, 1024, publicOnlyFetch({ lookup }))).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    const allowed = await readSource(source, 1024, publicOnlyFetch({ lookup, allowPrivate: true }));
    expect(allowed.toString()).toBe('{"auth":null}');
  });
});

describe('platformHostsFetch', () => {
  it('fetches only from the listed hosts: checked before sending, and on the final URL after redirects', async () => {
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'audio/wav' }).end('RIFF');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const f = platformHostsFetch(['cdn.discordapp.com', host]);
      expect(await (await f(`http://${host}/file.wav`)).text()).toBe('RIFF');
      await expect(f('https://evil.example/file.wav')).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
      expect(seen).toEqual(['/file.wav']); // the refused URL was never requested
      // a download that ended up elsewhere after redirects is refused before its body is read
      const offsite = platformHostsFetch([host], async () => {
        const res = new Response('secret');
        Object.defineProperty(res, 'url', { value: 'https://elsewhere.example/x' });
        return res;
      });
      await expect(offsite(`http://${host}/a`)).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    } finally {
      server.close();
    }
  });
});
