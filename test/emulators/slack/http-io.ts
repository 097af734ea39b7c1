// HTTP plumbing: reading bodies, decoding Web API arguments (form, JSON or multipart), writing answers.

import { parse as parseQuery } from 'node:querystring';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const readBody = (req: IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });

/** Fields Slack takes as JSON even in a form body ("presented as a URL-encoded string"). */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'files', 'chunks', 'metadata', 'unfurls', 'file_ids']);

export const decodeJsonFields = (args: Record<string, unknown>): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (JSON_FIELDS.has(k) && typeof v === 'string' && /^\s*[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // left as the string: the method answers invalid_*_format
      }
    }
    out[k] = v;
  }
  return out;
};

export interface FilePart {
  field: string;
  filename: string;
  type: string;
  data: Buffer;
}

export interface ParsedBody {
  contentType: string;
  args: Record<string, unknown>;
  fileParts: FilePart[];
}

/** Decodes a Web API request body as @slack/web-api sends it: form-urlencoded, JSON or multipart/form-data. */
export async function parseBody(req: IncomingMessage, raw: Buffer): Promise<ParsedBody> {
  const contentType = String(req.headers['content-type'] ?? '');
  const mime = contentType.split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/json') {
    let parsed: unknown;
    try {
      parsed = raw.length ? JSON.parse(raw.toString('utf8')) : {};
    } catch {
      throw new BadRequest('invalid_json');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BadRequest('invalid_json');
    return { contentType: mime, args: parsed as Record<string, unknown>, fileParts: [] };
  }
  if (mime === 'multipart/form-data') {
    const form = await new Request('http://emulator.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    const args: Record<string, unknown> = {};
    const fileParts: FilePart[] = [];
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') args[field] = value;
      else fileParts.push({ field, filename: value.name, type: value.type, data: Buffer.from(await value.arrayBuffer()) });
    }
    return { contentType: mime, args: decodeJsonFields(args), fileParts };
  }
  const form = parseQuery(raw.toString('utf8'));
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(form)) args[k] = Array.isArray(v) ? v[v.length - 1] : v;
  return { contentType: mime || 'application/x-www-form-urlencoded', args: decodeJsonFields(args), fileParts: [] };
}

export class BadRequest extends Error {}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** What files.slack.com answers a request without a valid token: a sign-in page, with status 200. */
export const LOGIN_PAGE = `<!DOCTYPE html>
<html lang="en-US">
<head><meta charset="utf-8"><title>Slack</title></head>
<body><div id="page"><h1>Sign in to Slack</h1><p>You need to sign in to see this page.</p>
<form id="signin_form" action="/signin" method="post"><input type="email" name="email"><button type="submit">Sign In</button></form>
</div></body>
</html>
`;

export const bearerToken = (req: IncomingMessage): string | undefined => {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? /^Bearer\s+(.+)$/i.exec(h.trim()) : null;
  return m?.[1];
};
