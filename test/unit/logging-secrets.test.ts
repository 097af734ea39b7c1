import { WebAPIPlatformError, WebAPIRequestError } from '@slack/web-api';
import { DiscordAPIError } from 'discord.js';
import { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { createLogger, registerSecrets, scrubSecrets, type Logger } from '../../src/logger.js';

/**
 * No token, API key or signing secret may appear in the log output, whichever way the code hands it to the logger.
 * Each case logs through a real pino logger into memory and asserts on the serialized bytes; each also asserts that
 * the line was written and still says something useful, so a logger that drops everything cannot pass.
 */

function memoryLogger(): { log: Logger; output: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const log = createLogger('trace', { write: (s: string) => void chunks.push(s) });
  return {
    log,
    output: () => chunks.join(''),
    lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

// The configured secrets: registered once, as `livetranslate start` does.
const API_KEY = 'sk-4f9a0c3e8b7d41e2a6c5f0b9d8e7a1c2';
/** An interaction token as Discord puts it in webhook URLs. */
const INTERACTION_TOKEN = 'aW50ZXJhY3Rpb246MTA5ODc2NTQzMjEwOTg3NjU0Mzp0b2tlbg';
const DISCORD_TOKEN = 'MTA5ODc2NTQzMjEwOTg3NjU0Mw.GxYzAb.fakefakefakefakefakefakefakefake012';
const SLACK_BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_APP_TOKEN = 'xapp-1-A0123456789-1234567890123-abcdef0123456789';
const SIGNING_SECRET = '8f3c2a1b9d7e6f5a4b3c2d1e0f9a8b7c';
/** An emulator's token has no recognisable shape: only registration can catch it. */
const PLAIN_TOKEN = 'emulator-discord-token-value';
const QUOTED_SECRET = 'se"cret\\value-123';
const REGISTERED = [API_KEY, DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SIGNING_SECRET, PLAIN_TOKEN, QUOTED_SECRET];
registerSecrets(...REGISTERED, undefined, '', 'short');

function openaiAuthError(): APIError {
  const headers = new Headers({ 'x-request-id': 'req-123', 'x-echo-authorization': `Bearer ${API_KEY}` });
  return APIError.generate(
    401, { error: { message: `Incorrect API key provided: ${API_KEY}`, code: 'invalid_api_key' } }, undefined, headers,
  );
}

function discordError(): DiscordAPIError {
  return new DiscordAPIError(
    { code: 50035, message: 'Invalid Form Body' }, 50035, 400, 'POST',
    `https://discord.com/api/v10/webhooks/1098765432109876543/${INTERACTION_TOKEN}/messages/@original`,
    { body: { content: `token is ${DISCORD_TOKEN}`, token: DISCORD_TOKEN }, files: [] },
  );
}

function slackPlatformError(): WebAPIPlatformError {
  return new WebAPIPlatformError({
    ok: false, error: 'invalid_auth', token: SLACK_BOT_TOKEN,
    response_metadata: { messages: [`bad token ${SLACK_BOT_TOKEN}`] },
  } as ConstructorParameters<typeof WebAPIPlatformError>[0]);
}

function slackRequestError(): WebAPIRequestError {
  const axiosLike = Object.assign(new Error('socket hang up'), {
    config: { headers: { Authorization: `Bearer ${SLACK_BOT_TOKEN}` }, data: `token=${SLACK_BOT_TOKEN}` },
  });
  return new WebAPIRequestError(axiosLike);
}

const cases: Array<[string, (log: Logger) => void, string]> = [
  ['{ apiKey }', (log) => log.info({ apiKey: API_KEY }, 'client ready'), 'client ready'],
  ['{ token }', (log) => log.info({ token: DISCORD_TOKEN }, 'login'), 'login'],
  ['nested config', (log) => log.info({ config: { discord: { token: PLAIN_TOKEN }, slack: { signingSecret: SIGNING_SECRET } } }, 'config'), 'config'],
  ['deeply nested config', (log) => log.info({ boot: { config: { slack: { tokens: { bot: SLACK_BOT_TOKEN, app: SLACK_APP_TOKEN } } } } }, 'deep'), 'deep'],
  ['authorization header', (log) => log.debug({ headers: { authorization: `Bearer ${API_KEY}` } }, 'request'), 'request'],
  ['headers under a request', (log) => log.debug({ req: { headers: { Authorization: `Bearer ${SLACK_BOT_TOKEN}` } } }, 'download'), 'download'],
  ['secret in the message string', (log) => log.warn(`download with Bearer ${SLACK_BOT_TOKEN} failed for ${PLAIN_TOKEN}`), 'failed for'],
  ['JSON-escaped secret', (log) => log.info({ value: QUOTED_SECRET }, 'quoted'), 'quoted'],
  ['Error message', (log) => log.error({ err: new Error(`bad key ${API_KEY}`) }, 'translate failed'), 'bad key'],
  ['Error cause chain', (log) => log.error({ err: new Error('outer', { cause: new Error(`inner ${SIGNING_SECRET}`) }) }, 'x'), 'inner'],
  ['Error as first argument', (log) => log.error(new Error(`token ${PLAIN_TOKEN} rejected`)), 'rejected'],
  ['TranslateError cause logged as `cause`', (log) => log.info({ code: 'PROVIDER_AUTH', cause: openaiAuthError() }, 'failed'), 'invalid_api_key'],
  ['openai APIError with headers', (log) => log.error({ err: openaiAuthError() }, 'model call failed'), 'req-123'],
  ['openai APIError under `error`', (log) => log.error({ error: openaiAuthError() }, 'model call failed'), '401'],
  ['DiscordAPIError with a request body', (log) => log.error({ err: discordError() }, 'interaction failed'), 'Invalid Form Body'],
  ['Slack WebAPIPlatformError with data', (log) => log.error({ err: slackPlatformError() }, 'slack job failed'), 'invalid_auth'],
  ['Slack WebAPIRequestError wrapping the HTTP error', (log) => log.error({ err: slackRequestError() }, 'slack'), 'socket hang up'],
  ['a plain object shaped like a Slack error', (log) => log.warn({ err: { code: 'slack_webapi_platform_error', data: { error: 'not_authed', token: SLACK_BOT_TOKEN } } }, 'slack'), 'not_authed'],
  ['child logger bindings', (log) => log.child({ jobId: 'j1', token: SLACK_APP_TOKEN }).info({ auth: SLACK_APP_TOKEN }, 'child line'), 'child line'],
];

describe('logging never reveals a registered secret', () => {
  it.each(cases)('%s', (_name, write, useful) => {
    const { log, output, lines } = memoryLogger();
    write(log);
    const text = output();
    expect(lines()).toHaveLength(1);
    expect(text).toContain(useful);
    expect(text).not.toContain(INTERACTION_TOKEN);
    for (const secret of REGISTERED) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
    }
  });

  it('keeps the useful parts of an SDK error and drops request bodies and headers', () => {
    const { log, lines } = memoryLogger();
    log.error({ err: discordError() }, 'interaction failed');
    const err = lines()[0]?.err as Record<string, unknown>;
    expect(err).toMatchObject({ type: 'DiscordAPIError', code: 50035, status: 400, method: 'POST' });
    expect(err.url).toBe('https://discord.com/api/v10/webhooks/1098765432109876543/[redacted]/messages/@original');
    expect(err).not.toHaveProperty('requestBody');
    expect(err).not.toHaveProperty('rawError');
  });

  it('ignores empty and short values instead of scrubbing ordinary words', () => {
    const { log, output } = memoryLogger();
    log.info('a short message');
    expect(output()).toContain('a short message');
  });
});

describe('credentials nobody registered are still caught by their shape or key', () => {
  const shaped = {
    dashscope: 'sk-0123456789abcdef0123456789abcdef',
    slackBot: 'xoxb-111-222-zzzzyyyyxxxxwwwwvvvv',
    slackApp: 'xapp-1-B999-888-ffffeeeeddddcccc',
    discord: 'ODk2NTQzMjEwOTg3NjU0MzIx.AbCdEf.unregisteredunregisteredunreg12',
    bearer: 'opaque-session-credential-0123',
    signing: 'ab12cd34ef56ab12cd34ef56ab12cd34',
  };

  it('scrubs tokens by shape in messages, errors and URLs', () => {
    const { log, output } = memoryLogger();
    log.warn(`keys ${shaped.dashscope} ${shaped.slackBot} ${shaped.slackApp} ${shaped.discord}`);
    log.error({ err: new Error(`Authorization: Bearer ${shaped.bearer}`) }, 'download failed');
    log.info({ url: `https://discord.com/api/v10/interactions/1098765432109876543/${shaped.bearer}/callback` }, 'reply');
    const text = output();
    for (const value of [shaped.dashscope, shaped.slackBot, shaped.slackApp, shaped.discord, shaped.bearer]) {
      expect(text).not.toContain(value);
    }
    expect(text).toContain('download failed');
    expect(text).toContain('interactions/1098765432109876543/[redacted]/callback');
  });

  it('redacts secret-named keys up to two levels down', () => {
    const { log, output } = memoryLogger();
    log.info({ signingSecret: shaped.signing, slack: { signingSecret: shaped.signing }, config: { slack: { signingSecret: shaped.signing } } }, 'keys');
    expect(output()).not.toContain(shaped.signing);
    expect(output()).toContain('keys');
  });

  it('scrubSecrets is the same pass for text that leaves the process elsewhere', () => {
    expect(scrubSecrets(`connect with ${API_KEY} and ${shaped.slackBot}`)).toBe('connect with [redacted] and [redacted]');
    expect(scrubSecrets('connection refused')).toBe('connection refused');
  });
});
