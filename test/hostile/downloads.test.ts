import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSource } from '../../src/media/read-source.js';
import { platformHostsFetch } from '../../src/media/url-policy.js';
import { fixtures } from '../support/media-fixtures.js';
import { outcome } from './outcome.js';

const wav = fixtures.wav(1);

/** Sends `wav` a byte at a time, one every `everyMs`, until the client goes away. */
function trickle(res: ServerResponse, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'audio/wav' });
  let at = 0;
  const timer = setInterval(() => res.write(wav.subarray(at, ++at)), everyMs);
  res.on('close', () => clearInterval(timer));
}

describe('downloads are bounded in time, not only in size', () => {
  let server: Server;
  let base = '';
  const closed: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.on('close', () => closed.push(req.url ?? ''));
      if (req.url === '/trickle') return trickle(res, 50);
      if (req.url === '/silent') return; // never answers
      if (req.url === '/steady') {
        // fast enough for the rate floor, but endless (never reaches the size cap in time)
        res.writeHead(200, { 'content-type': 'audio/wav' });
        const timer = setInterval(() => res.write(Buffer.alloc(512)), 10);
        return void res.on('close', () => clearInterval(timer));
      }
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const limits = { deadlineMs: 60_000, minBytesPerSecond: 200, rateWindowMs: 200 };

  it('a trickle below the minimum rate fails, and the connection is dropped', async () => {
    expect(await outcome(readSource({ kind: 'url', url: `${base}/trickle` }, 1 << 20, fetch, undefined, limits))).toMatch(
      /^DOWNLOAD_FAILED: The file could not be downloaded\. \(it came too slowly: \d+ bytes in 200 ms\)$/,
    );
    await expect.poll(() => closed).toContain('/trickle');
  });

  it('a server that never answers fails the same way', async () => {
    expect(await outcome(readSource({ kind: 'url', url: `${base}/silent` }, 1 << 20, fetch, undefined, limits))).toMatch(
      /^DOWNLOAD_FAILED: .*\(it came too slowly: 0 bytes in 200 ms\)$/,
    );
  });

  it('a download that keeps coming fast enough still ends at the overall deadline', async () => {
    const steady = { deadlineMs: 300, minBytesPerSecond: 10, rateWindowMs: 100 };
    expect(await outcome(readSource({ kind: 'url', url: `${base}/steady` }, 1 << 30, fetch, undefined, steady))).toBe(
      'DOWNLOAD_FAILED: The file could not be downloaded. (it took longer than 300 ms)',
    );
  });

  it('an ordinary download is unaffected', async () => {
    const data = await readSource({ kind: 'url', url: `${base}/ok` }, 1 << 20, fetch, undefined, limits);
    expect(data.equals(wav)).toBe(true);
  });
});

describe('chat downloads: every redirect hop is one of the platform hosts', () => {
  let server: Server;
  let host = '';
  const requested: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
      if (to) return void res.writeHead(302, { location: to }).end();
      res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('a redirect through another host is refused before that host is requested, even if it comes back', async () => {
    // hop 1 (listed) → hop 2 on localhost:<port> (not listed; same server) → back to the listed host
    const back = encodeURIComponent(`http://${host}/file.wav`);
    const via = encodeURIComponent(`http://localhost:${host.split(':')[1]}/bounce?to=${back}`);
    const fetchFromPlatform = platformHostsFetch([host]);
    expect(await outcome(fetchFromPlatform(`http://${host}/go?to=${via}`))).toMatch(
      /^URL_NOT_ALLOWED: .*\(localhost:\d+ is not one of this chat platform's file hosts\)$/,
    );
    expect(requested).toEqual([`/go?to=${via}`]); // the unlisted hop was never requested
  });

  it('redirects within the listed hosts are followed', async () => {
    const res = await platformHostsFetch([host])(`http://${host}/go?to=${encodeURIComponent('/file.wav')}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(wav)).toBe(true);
  });
});
