import { describe, expect, it } from 'vitest';
import { DEFAULT_BASE_URL, loadConfig, requireApiKey } from './config.js';
import { isTranslateError } from './errors.js';

describe('loadConfig', () => {
  it('applies the documented defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      dashscope: { apiKey: undefined, baseUrl: DEFAULT_BASE_URL, model: 'qwen3-livetranslate-flash' },
      discord: undefined,
      slack: undefined,
      port: 3000,
      storeUrl: 'sqlite://./data/livetranslate.sqlite',
      logLevel: 'info',
      maxFileBytes: 200 * 1024 * 1024,
      videoEncoding: { height: 360, fps: 1 },
    });
    expect(() => requireApiKey(config)).toThrow(/DASHSCOPE_API_KEY/);
  });

  it('turns a platform on only when its credentials are complete', () => {
    expect(loadConfig({ DISCORD_TOKEN: 'x' }).discord).toEqual({ token: 'x', apiUrl: 'https://discord.com/api', guildId: undefined, shards: 'auto' });
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb' })).toThrow(/SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not/);
    expect(() => loadConfig({ SLACK_SIGNING_SECRET: 's' })).toThrow(/SLACK_BOT_TOKEN is not/);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' }).slack?.appToken).toBeUndefined();
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb', SLACK_APP_TOKEN: 'xapp' }).slack?.appToken).toBe('xapp');
    expect(loadConfig({ DISCORD_TOKEN: '  ' }).discord).toBeUndefined();
  });

  it('refuses LIVETRANSLATE_OPS_HOST without LIVETRANSLATE_OPS_PORT, naming both (it would be ignored in Slack HTTP mode)', () => {
    expect(() => loadConfig({ LIVETRANSLATE_OPS_HOST: '127.0.0.1' })).toThrow(/LIVETRANSLATE_OPS_HOST is set but LIVETRANSLATE_OPS_PORT is not/);
    expect(() => loadConfig({ LIVETRANSLATE_OPS_HOST: '127.0.0.1', SLACK_BOT_TOKEN: 'xoxb', SLACK_SIGNING_SECRET: 's' })).toThrow(/LIVETRANSLATE_OPS_PORT/);
    expect(loadConfig({ LIVETRANSLATE_OPS_HOST: '127.0.0.1', LIVETRANSLATE_OPS_PORT: '9100' }).ops).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(loadConfig({ LIVETRANSLATE_OPS_HOST: '', LIVETRANSLATE_OPS_PORT: '' }).ops).toEqual({ host: undefined, port: undefined });
  });

    it('names every invalid variable, and never echoes a secret', () => {
    let caught: unknown;
    try {
      loadConfig({ DASHSCOPE_BASE_URL: 'not a url', PORT: 'abc', STORE_URL: 'mysql://x', DASHSCOPE_API_KEY: 'sk-secret' });
    } catch (err) {
      caught = err;
    }
    expect(isTranslateError(caught, 'CONFIG_MISSING')).toBe(true);
    const message = (caught as Error).message;
    for (const name of ['DASHSCOPE_BASE_URL', 'PORT', 'STORE_URL']) expect(message).toContain(name);
    expect(message).not.toContain('sk-secret');
  });

  it('bounds every model call by default (20,000 characters, 10 minutes), and takes other bounds', () => {
    expect(loadConfig({})).toMatchObject({ maxOutputChars: 20_000, modelDeadlineMs: 600_000 });
    const config = loadConfig({ LIVETRANSLATE_MAX_OUTPUT_CHARS: '5000', LIVETRANSLATE_MODEL_DEADLINE_S: '90' });
    expect(config).toMatchObject({ maxOutputChars: 5_000, modelDeadlineMs: 90_000 });
    expect(() => loadConfig({ LIVETRANSLATE_MAX_OUTPUT_CHARS: '0' })).toThrow(/LIVETRANSLATE_MAX_OUTPUT_CHARS/);
  });

  it("takes LIVETRANSLATE_SHARDS as 'auto' (the default) or ids/total, and names it in one line when wrong", () => {
    const shards = (v?: string) => loadConfig({ DISCORD_TOKEN: 'x', ...(v === undefined ? {} : { LIVETRANSLATE_SHARDS: v }) }).discord?.shards;
    expect(shards()).toBe('auto');
    expect(shards('')).toBe('auto');
    expect(shards('AUTO')).toBe('auto');
    expect(shards('0/2')).toEqual({ ids: [0], total: 2 });
    expect(shards('3, 1 / 4')).toEqual({ ids: [1, 3], total: 4 });
    expect(shards('0/1')).toEqual({ ids: [0], total: 1 });
    for (const [value, says] of [
      ['2/2', /shard 2 is not below the total 2/],
      ['0/0', /at least 1/],
      ['1,1/4', /shard 1 is listed twice/],
      ['two', /must be "auto" or this process's shard ids\/the total, e.g. 0\/2 or 0,1\/4 \(got "two"\)/],
      ['0-1/4', /must be "auto"/],
      ['-1/2', /must be "auto"/],
    ] as const) {
      let caught: unknown;
      try {
        shards(value);
      } catch (err) {
        caught = err;
      }
      expect(isTranslateError(caught, 'CONFIG_MISSING')).toBe(true);
      const message = (caught as Error).message;
      expect(message).toMatch(/LIVETRANSLATE_SHARDS: /);
      expect(message).toMatch(says);
      expect(message).not.toContain('\n');
    }
  });

  it("keeps to the account's model limits by default (100 requests, 100,000 tokens a minute); 0 turns one off", () => {
    expect(loadConfig({}).modelLimits).toEqual({ requestsPerMinute: 100, tokensPerMinute: 100_000 });
    expect(loadConfig({ LIVETRANSLATE_MODEL_RPM: '0', LIVETRANSLATE_MODEL_TPM: '250000' }).modelLimits)
      .toEqual({ requestsPerMinute: 0, tokensPerMinute: 250_000 });
    expect(() => loadConfig({ LIVETRANSLATE_MODEL_RPM: '-1' })).toThrow(/LIVETRANSLATE_MODEL_RPM/);
  });
});
