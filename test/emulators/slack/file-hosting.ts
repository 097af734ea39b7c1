// files.slack.com on the emulator: the upload URL from files.getUploadURLExternal (bytes as the raw body or as
// the file part of a multipart form — @slack/web-api 8 sends multipart with one part named "body"), and
// url_private / url_private_download, which need `Authorization: Bearer <bot token>`: without it Slack answers
// 200 with an HTML sign-in page, so a client that does not check the content type gets HTML instead of audio.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx } from './context.js';
import { LOGIN_PAGE, bearerToken, parseBody, sendText } from './http-io.js';
import { botCanSee } from './methods-files.js';

export async function handleUpload(ctx: Ctx, req: IncomingMessage, res: ServerResponse, token: string, raw: Buffer): Promise<void> {
  const file = [...ctx.world.files.values()].find((f) => f.uploadToken === token);
  const record = (status: number, error?: string) =>
    ctx.calls.push({
      method: 'upload_url',
      args: { file_id: file?.id, bytes: raw.length },
      contentType: String(req.headers['content-type'] ?? '').split(';')[0]!,
      status,
      ok: status === 200,
      ...(error ? { error } : {}),
      at: ctx.clock.now(),
    });
  if (!file || file.completed) {
    record(404, 'upload_not_found');
    return sendText(res, 404, 'Not Found');
  }
  let data = raw;
  if (String(req.headers['content-type'] ?? '').toLowerCase().startsWith('multipart/form-data')) {
    const parsed = await parseBody(req, raw);
    const part = parsed.fileParts[0];
    if (!part) {
      record(400, 'no_file_part');
      return sendText(res, 400, 'no file data');
    }
    data = part.data;
  }
  file.data = data;
  record(200);
  sendText(res, 200, `OK - ${data.length}`);
}

export function handleDownload(ctx: Ctx, req: IncomingMessage, res: ServerResponse, teamAndFile: string, download: boolean): void {
  const fileId = teamAndFile.slice(ctx.world.teamId.length + 1);
  const token = bearerToken(req);
  const authorized = token === ctx.botToken;
  ctx.downloads.push({ fileId, authorized, at: ctx.clock.now() });
  if (!authorized) return sendText(res, 200, LOGIN_PAGE, 'text/html; charset=utf-8');
  const f = ctx.world.files.get(fileId);
  if (!teamAndFile.startsWith(`${ctx.world.teamId}-`) || !f || !f.data || !f.completed || !botCanSee(ctx, f)) {
    return sendText(res, 404, 'File not found');
  }
  res.writeHead(200, {
    'content-type': f.mimetype,
    'content-length': f.data.length,
    ...(download ? { 'content-disposition': `attachment; filename="${f.name.replace(/"/g, '')}"` } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : f.data);
}
