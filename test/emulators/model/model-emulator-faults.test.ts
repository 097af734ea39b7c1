// The model emulator's injected faults, as the real openai SDK surfaces them, and its control routes.

import {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type ModelEmulator } from './index.js';
import { client, collect, livetranslateBody, makeWav, send } from './test-support.js';

let emu: ModelEmulator;
const wav = makeWav(2);
const body = livetranslateBody(wav);

beforeAll(async () => {
  emu = await startModelEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const failure = (b = body): Promise<unknown> =>
  send(client(emu.baseUrl), b)
    .then(collect)
    .then(() => 'no error', (e: unknown) => e);

describe('status faults', () => {
  const cases: [number, string, unknown][] = [
    [400, 'InvalidParameter', BadRequestError],
    [401, 'InvalidApiKey', AuthenticationError],
    [403, 'AccessDenied', PermissionDeniedError],
    [408, 'RequestTimeOut', APIError],
    [413, 'BadRequest.TooLarge', APIError],
    [429, 'limit_requests', RateLimitError],
    [500, 'InternalError', InternalServerError],
    [503, 'ServiceUnavailable', InternalServerError],
  ];

  it.each(cases)('%i answers the documented body with code %s', async (status, code, type) => {
    emu.inject({ kind: 'status', status });
    const err = await failure();
    expect(err).toBeInstanceOf(type);
    expect(err).toMatchObject({ status, code, param: null });
    expect((err as APIError).requestID).toMatch(/^[0-9a-f-]{36}$/);
    expect((err as APIError).error).toEqual(expect.objectContaining({ message: expect.any(String), type: expect.any(String) }));
  });

  it('429 carries retry-after, with custom code and message', async () => {
    emu.inject({ kind: 'status', status: 429, retryAfter: 7, code: 'limit_burst_rate', message: 'Slow down.' });
    const err = (await failure()) as APIError;
    expect(err.headers?.get('retry-after')).toBe('7');
    expect(err).toMatchObject({ code: 'limit_burst_rate', message: '429 Slow down.' });
  });

  it('applies `times` faults in order, then answers normally', async () => {
    emu.inject({ kind: 'status', status: 500, times: 2 });
    emu.inject({ kind: 'arrearage' });
    expect(await failure()).toMatchObject({ status: 500 });
    expect(await failure()).toMatchObject({ status: 500 });
    expect(await failure()).toMatchObject({ status: 400, code: 'Arrearage' });
    expect(await failure()).toBe('no error');
    expect(emu.requests.map((r) => r.status)).toEqual([500, 500, 400, 200]);
  });

  it('input moderation refuses with 400 data_inspection_failed', async () => {
    emu.inject({ kind: 'input-moderation' });
    const err = await failure();
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ code: 'data_inspection_failed', message: '400 Input data may contain inappropriate content.' });
  });
});

describe('mid-stream faults', () => {
  it('output moderation arrives as an error event: an APIError without status while iterating', async () => {
    emu.inject({ kind: 'output-moderation', afterChunks: 3 });
    const seen: unknown[] = [];
    const stream = await send(client(emu.baseUrl), body);
    const err = await (async () => {
      for await (const c of stream) seen.push(c);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(3);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ status: undefined, code: 'data_inspection_failed' });
    expect((err as Error).message).toBe('Output data may contain inappropriate content.');
  });

  it('a cut connection throws while iterating, after the chunks already sent', async () => {
    emu.inject({ kind: 'cut', afterChunks: 2 });
    const seen: unknown[] = [];
    const stream = await send(client(emu.baseUrl), body);
    const err = await (async () => {
      for await (const c of stream) seen.push(c);
    })().catch((e: unknown) => e);
    expect(seen).toHaveLength(2);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(APIError);
    expect(emu.requests[0]?.status).toBe(200);
  });

  it('slow paces every chunk', async () => {
    emu.configure({ text: 'One two three four five six' }); // 2 text deltas
    emu.inject({ kind: 'slow', chunkDelayMs: 40 });
    const started = Date.now();
    const got = await collect(await send(client(emu.baseUrl), { ...body, modalities: ['text'], audio: undefined }));
    expect(got.chunks.length).toBe(5); // role, 2 deltas, finish, usage
    expect(Date.now() - started).toBeGreaterThanOrEqual(5 * 40 - 10);
  });

  it('stall hangs after N chunks until the client gives up', async () => {
    emu.inject({ kind: 'stall', afterChunks: 2 });
    const abort = new AbortController();
    const seen: unknown[] = [];
    const stream = await send(client(emu.baseUrl), body, { signal: abort.signal });
    setTimeout(() => abort.abort(), 200);
    const started = Date.now();
    await (async () => {
      for await (const c of stream) seen.push(c);
    })().catch(() => undefined);
    expect(seen).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(await failure()).toBe('no error'); // the emulator is still healthy
  });

  it('close() does not hang on a stalled stream', async () => {
    const own = await startModelEmulator({ port: 0 });
    own.inject({ kind: 'stall', afterChunks: 1 });
    const stream = await send(client(own.baseUrl), body);
    const iterating = (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await iterating).toBeInstanceOf(Error);
  });

  it('length finishes early with finish_reason "length"', async () => {
    const full = await collect(await send(client(emu.baseUrl), body));
    emu.inject({ kind: 'length' });
    const cut = await collect(await send(client(emu.baseUrl), body));
    expect(cut.finishReasons).toEqual(['length']);
    expect(cut.usage!.completion_tokens).toBeLessThan(full.usage!.completion_tokens);
    expect(cut.text.length + cut.fragments.length).toBeLessThan(full.text.length + full.fragments.length);
  });
});

describe('control routes', () => {
  const control = (route: string, payload?: unknown): Promise<Response> =>
    fetch(emu.baseUrl.replace('/compatible-mode/v1', `/__emulator/${route}`), {
      method: payload === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json' },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });

  it('inject, configure, requests and reset from plain fetch', async () => {
    expect((await control('inject', { kind: 'status', status: 503 })).status).toBe(200);
    expect(await failure()).toMatchObject({ status: 503, code: 'ServiceUnavailable' });

    expect((await control('configure', { text: 'Hola, mundo.', fragmentMode: 'padded' })).status).toBe(200);
    const got = await collect(await send(client(emu.baseUrl), body));
    expect(got.text).toBe('Hola, mundo.');

    const recorded = (await (await control('requests')).json()) as { status: number }[];
    expect(recorded.map((r) => r.status)).toEqual([503, 200]);

    expect((await control('reset', {})).status).toBe(200);
    expect(emu.requests).toHaveLength(0);
    expect((await collect(await send(client(emu.baseUrl), body))).text).toMatch(/^\[en\] /);
  });

  it('refuses a malformed fault', async () => {
    const res = await control('inject', { kind: 'explode' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'unknown fault kind "explode"' });
    expect((await control('inject', { kind: 'cut' })).status).toBe(400);
  });
});

it('connection refused after close is an APIConnectionError', async () => {
  const own = await startModelEmulator();
  const url = own.baseUrl;
  await own.close();
  expect(await send(client(url), body).catch((e: unknown) => e)).toBeInstanceOf(APIConnectionError);
});
