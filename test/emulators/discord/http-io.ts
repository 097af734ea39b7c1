// HTTP plumbing: request bodies (JSON or multipart with payload_json + files[n]), Discord's error bodies.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A Discord API error: HTTP status, JSON code, message, optional field error tree (50035). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  body(): Record<string, unknown> {
    return this.errors ? { message: this.message, code: this.code, errors: this.errors } : { message: this.message, code: this.code };
  }
}

// Codes and messages as Discord words them (discord-api-types RESTJSONErrorCodes; messages from Discord's table).
export const errors = {
  unauthorized: () => new ApiError(401, 0, '401: Unauthorized'),
  notFound: () => new ApiError(404, 0, '404: Not Found'),
  unknownChannel: () => new ApiError(404, 10003, 'Unknown Channel'),
  unknownGuild: () => new ApiError(404, 10004, 'Unknown Guild'),
  unknownMember: () => new ApiError(404, 10007, 'Unknown Member'),
  unknownMessage: () => new ApiError(404, 10008, 'Unknown Message'),
  unknownUser: () => new ApiError(404, 10013, 'Unknown User'),
  unknownWebhook: () => new ApiError(404, 10015, 'Unknown Webhook'),
  unknownInteraction: () => new ApiError(404, 10062, 'Unknown interaction'),
  unknownCommand: () => new ApiError(404, 10063, 'Unknown application command'),
  tooManyCommands: (n: number) => new ApiError(400, 30032, `Maximum number of application commands reached (${n})`),
  tooLarge: () => new ApiError(413, 40005, 'Request entity too large'),
  alreadyAcknowledged: () => new ApiError(400, 40060, 'Interaction has already been acknowledged.'),
  notAuthor: () => new ApiError(403, 50005, 'Cannot edit a message authored by another user'),
  emptyMessage: () => new ApiError(400, 50006, 'Cannot send an empty message'),
  missingPermissions: () => new ApiError(403, 50013, 'Missing Permissions'),
  invalidWebhookToken: () => new ApiError(401, 50027, 'Invalid Webhook Token'),
  invalidForm: (tree: Record<string, unknown>) => new ApiError(400, 50035, 'Invalid Form Body', tree),
  voiceExtraContent: () => new ApiError(400, 50159, 'Voice messages do not support additional content.'),
  voiceSingleAudio: () => new ApiError(400, 50160, 'Voice messages must have a single audio attachment.'),
  voiceMetadata: () => new ApiError(400, 50161, 'Voice messages must have supporting metadata.'),
  voiceNoEdit: () => new ApiError(400, 50162, 'Voice messages cannot be edited.'),
  voiceNotAllowed: () => new ApiError(403, 50173, 'You cannot send voice messages in this channel.'),
};

/** A field error for a 50035 tree: `{ _errors: [{ code, message }] }`. */
export const fieldError = (code: string, message: string): Record<string, unknown> => ({ _errors: [{ code, message }] });

/** Nests a field error under a path: at(['embeds', 0, 'description'], err). */
export function at(path: (string | number)[], leaf: Record<string, unknown>): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key) => ({ [String(key)]: inner }), leaf);
}

/** Deep-merges 50035 trees so several field errors come back together, as Discord reports them. */
export function mergeTrees(trees: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const tree of trees) {
    for (const [key, value] of Object.entries(tree)) {
      const prev = out[key];
      if (key === '_errors' && Array.isArray(prev) && Array.isArray(value)) out[key] = [...prev, ...value];
      else if (isObject(prev) && isObject(value)) out[key] = mergeTrees([prev, value]);
      else out[key] = value;
    }
  }
  return out;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface UploadedFile {
  field: string;
  /** n of `files[n]` (discord.js' key), or the position among file parts when the key has no index. */
  index: number;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface ParsedBody {
  json: unknown;
  files: UploadedFile[];
  multipart: boolean;
}

export async function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > limit) throw errors.tooLarge();
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** Parses JSON or multipart/form-data (payload_json + files[n]) the way Discord accepts them. */
export async function parseBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, files: [], multipart: false };
  const ct = contentType ?? '';
  if (ct.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await new Response(raw, { headers: { 'content-type': ct } }).formData();
    } catch {
      throw new ApiError(400, 50109, 'The request body contains invalid JSON.');
    }
    const files: UploadedFile[] = [];
    let json: unknown = undefined;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') json = parseJson(value);
        continue;
      }
      const m = /^files?\[(\d+)\]$/.exec(field);
      const index = m?.[1] !== undefined ? Number(m[1]) : files.length;
      files.push({ field, index, filename: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) });
    }
    return { json, files, multipart: true };
  }
  return { json: parseJson(raw.toString('utf8')), files: [], multipart: false };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 50109, 'The request body contains invalid JSON.');
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204) {
    res.writeHead(204, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
