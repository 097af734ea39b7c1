// The HTTP server of the emulator: POST {base}/chat/completions (base /compatible-mode/v1 or /v1),
// plus control routes under /__emulator/ for a separate process.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  arrearage,
  errorBody,
  inputInspectionFailed,
  invalid,
  newRequestId,
  ServiceError,
  statusError,
} from './error-bodies.js';
import { checkAccepted, loadMedia, measureMedia, sniffFormat } from './media-input.js';
import { randomInt, seededRandom, tonePcm } from './pcm-fragments.js';
import { FaultQueue, faultProblem, maskHeaders, readBody, shortenBody } from './request-record.js';
import { validateRequest } from './request-validation.js';
import { MAX_INPUT_TOKENS } from './service-rules.js';
import { sendEndlessStream, sendStream, type StreamFault } from './sse-response.js';
import { planStream, promptUsage } from './stream-plan.js';
import {
  DEFAULT_RESPONSE_OPTIONS,
  type Fault,
  type ModelEmulator,
  type RecordedRequest,
  type ResponseOptions,
  type StartOptions,
} from './types.js';

const API_PATHS = new Set(['/compatible-mode/v1/chat/completions', '/v1/chat/completions']);
const MAX_BODY_BYTES = 100 * 1024 * 1024;

export async function startModelEmulator(options: StartOptions = {}): Promise<ModelEmulator> {
  const { port = 0, apiKeys = ['test-key'], ...responseStart } = options;
  const initial: ResponseOptions = { ...DEFAULT_RESPONSE_OPTIONS, ...responseStart };
  let current: ResponseOptions = { ...initial };
  const faults = new FaultQueue();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let responses = 0;

  const configure = (o: Partial<ResponseOptions>): void => {
    current = { ...current, ...o };
  };

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const requestId = newRequestId();
    const at = Date.now();
    const { text, tooLarge } = await readBody(req, MAX_BODY_BYTES);
    let parsed: unknown;
    let jsonOk = true;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text.length > 500 ? `${text.slice(0, 500)}...` : text;
      jsonOk = false;
    }
    const short = jsonOk ? shortenBody(parsed) : { body: parsed };
    const record: RecordedRequest = {
      at,
      method: req.method ?? 'GET',
      path,
      headers: maskHeaders(req.headers),
      ...short,
      status: 0,
    };
    requests.push(record);

    const fail = (err: ServiceError): void => {
      record.status = err.status;
      record.errorCode = err.code;
      if (res.headersSent) return void res.destroy();
      res.writeHead(err.status, { 'content-type': 'application/json', 'x-request-id': requestId, ...err.headers });
      res.end(JSON.stringify(errorBody(err, requestId)));
    };

    try {
      if (req.method !== 'POST' || !API_PATHS.has(path)) {
        throw new ServiceError(404, 'NotFound', `No route for ${req.method ?? ''} ${path}.`);
      }
      const fault = faults.take();
      if (fault?.kind === 'status') throw statusError(fault.status, fault.code, fault.message, fault.retryAfter);
      if (fault?.kind === 'arrearage') throw arrearage();

      const auth = req.headers.authorization ?? '';
      const key = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
      if (!key || !apiKeys.includes(key)) throw new ServiceError(401, 'InvalidApiKey', 'Invalid API-key provided.');
      if (tooLarge) throw statusError(413, undefined, `Request body exceeds ${MAX_BODY_BYTES} bytes.`);
      if (!jsonOk) throw invalid('The request body is not valid JSON.');

      const v = validateRequest(parsed);
      const loaded = await loadMedia(v.media.ref);
      const sniffed = sniffFormat(loaded.bytes);
      record.input = {
        kind: v.media.kind,
        sniffed: sniffed.format,
        ...(v.media.declaredFormat === undefined ? {} : { declaredFormat: v.media.declaredFormat }),
        bytes: loaded.bytes.length,
        durationSecs: 0,
        viaUrl: loaded.viaUrl,
      };
      checkAccepted(sniffed, v.media.kind);
      const measured = await measureMedia(loaded.bytes, sniffed.format);
      record.input.durationSecs = measured.durationSecs;
      const facts = { kind: v.media.kind, ...measured, bytes: loaded.bytes, format: sniffed.format };
      const prompt = promptUsage(facts).total;
      if (measured.width && measured.height) Object.assign(record.input, { width: measured.width, height: measured.height });
      record.input.promptTokens = prompt;
      if (prompt > MAX_INPUT_TOKENS) {
        throw invalid(`Range of input length should be [1, ${MAX_INPUT_TOKENS}]; this input needs ${prompt} tokens.`);
      }
      if (fault?.kind === 'input-moderation') throw inputInspectionFailed();

      const opts = current;
      const plan = planStream(v, facts, opts, fault?.kind === 'length');
      const rng = seededRandom(opts.seed + ++responses);
      const pacing = fault?.kind === 'slow' ? fault.chunkDelayMs : opts.chunkDelayMs;
      const delayMs =
        typeof pacing === 'number' ? () => pacing : () => randomInt(rng, pacing.min, pacing.max);
      const streamFault =
        fault?.kind === 'output-moderation' || fault?.kind === 'cut' || fault?.kind === 'stall'
          ? (fault as StreamFault)
          : undefined;
      record.status = 200;
      record.chunksSent = 0;
      res.once('close', () => {
        record.closedAt = Date.now();
      });
      const onSent = (chunk: object): void => {
        const delta = (chunk as { choices?: { delta?: { content?: string; audio?: unknown } }[] }).choices?.[0]?.delta;
        const at = Date.now();
        record.chunksSent = (record.chunksSent ?? 0) + 1;
        if (delta?.content) record.firstTextAt ??= at;
        if (delta?.audio) record.lastAudioAt = at;
      };
      if (fault?.kind === 'endless') {
        const endlessDelay = fault.chunkDelayMs;
        const next = endlessChunk(v.model, v.voice !== undefined, opts);
        await sendEndlessStream(res, next, { requestId, delayMs: endlessDelay === undefined ? delayMs : () => endlessDelay, onSent });
        return;
      }
      await sendStream(res, plan.chunks, { requestId, delayMs, usageDelayMs: opts.usageDelayMs, sendDone: opts.sendDone, fault: streamFault, onSent });
    } catch (e) {
      fail(e instanceof ServiceError ? e : new ServiceError(500, 'InternalError', `Emulator error: ${String(e)}`));
    }
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && path === '/__emulator/requests') return reply(200, requests);
    if (req.method !== 'POST') return reply(405, { error: 'use POST' });
    const { text } = await readBody(req, 1024 * 1024);
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch {
      return reply(400, { error: 'body must be JSON' });
    }
    if (path === '/__emulator/inject') {
      const list = Array.isArray(body) ? body : [body];
      const problem = list.map(faultProblem).find((p) => p !== undefined);
      if (problem) return reply(400, { error: problem });
      for (const f of list) faults.push(f as Fault);
      return reply(200, { ok: true, queued: list.length });
    }
    if (path === '/__emulator/configure') {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return reply(400, { error: 'body must be an object of response options' });
      }
      configure(body as Partial<ResponseOptions>);
      return reply(200, { ok: true, options: current });
    }
    if (path === '/__emulator/reset') {
      emulator.reset();
      return reply(200, { ok: true });
    }
    return reply(404, { error: `no control route ${path}` });
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://emulator').pathname;
    const handler = path.startsWith('/__emulator/') ? handleControl : handleApi;
    handler(req, res, path).catch(() => res.destroy());
  });
  // Keep idle connections longer than clients do (undici closes its own after 4 s): otherwise a client may reuse a
  // socket at the moment the server closes it, and the request fails as a connection error under load.
  server.keepAliveTimeout = 30_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  const emulator: ModelEmulator = {
    baseUrl: `http://127.0.0.1:${address.port}/compatible-mode/v1`,
    requests,
    inject: (fault) => faults.push(fault),
    configure,
    reset() {
      faults.clear();
      requests.length = 0;
      current = { ...initial };
      responses = 0;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
    },
  };
  return emulator;
}

/** The chunks of an endless answer: a numbered sentence each, then (when speech was asked for) 0.1 s of its tone. */
function endlessChunk(model: string, speech: boolean, opts: ResponseOptions): (i: number) => object {
  const id = `chatcmpl-endless-${newRequestId()}`;
  const created = Math.floor(Date.now() / 1000);
  const pcm = tonePcm(0.1, opts.toneHz, opts.toneAmplitude).toString('base64');
  const chunk = (delta: object): object => ({
    id, object: 'chat.completion.chunk', created, model, system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
  });
  return (i) =>
    speech && i % 2 === 1
      ? chunk({ audio: { data: pcm, id: `audio_${id}`, expires_at: created } })
      : chunk({ content: `Endless sentence ${Math.floor(speech ? i / 2 : i) + 1}. ` });
}
