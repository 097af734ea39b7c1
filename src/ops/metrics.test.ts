import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

/** The value of one sample line (`name{labels} value`) in the exposition text, or undefined when absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('createMetrics', () => {
  it('counts finished jobs by platform, trigger and outcome', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.jobFinished({ platform: 'discord', trigger: 'reaction', outcome: 'done' });
    metrics.jobFinished({ platform: 'discord', trigger: 'reaction', outcome: 'done' });
    metrics.jobFinished({ platform: 'slack', trigger: 'shortcut', outcome: 'refused' });
    const { body, contentType } = await metrics.render();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('# TYPE livetranslate_jobs_total counter');
    expect(sample(body, 'livetranslate_jobs_total{platform="discord",trigger="reaction",outcome="done"}')).toBe(2);
    expect(sample(body, 'livetranslate_jobs_total{platform="slack",trigger="shortcut",outcome="refused"}')).toBe(1);
    expect(sample(body, 'livetranslate_jobs_total{platform="slack",trigger="shortcut",outcome="done"}')).toBeUndefined();
  });

  it('observes model timings in seconds into 0.1 s … 5 min buckets', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.modelTimings({ firstTextMs: 800, modelDoneMs: 45_000 });
    metrics.modelTimings({ firstTextMs: undefined, modelDoneMs: 400_000 });
    const { body } = await metrics.render();
    expect(sample(body, 'livetranslate_model_first_text_seconds_count')).toBe(1);
    expect(sample(body, 'livetranslate_model_first_text_seconds_sum')).toBeCloseTo(0.8);
    expect(sample(body, 'livetranslate_model_first_text_seconds_bucket{le="0.5"}')).toBe(0);
    expect(sample(body, 'livetranslate_model_first_text_seconds_bucket{le="1"}')).toBe(1);
    expect(sample(body, 'livetranslate_model_duration_seconds_count')).toBe(2);
    expect(sample(body, 'livetranslate_model_duration_seconds_bucket{le="60"}')).toBe(1);
    expect(sample(body, 'livetranslate_model_duration_seconds_bucket{le="300"}')).toBe(1);
    expect(sample(body, 'livetranslate_model_duration_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(sample(body, 'livetranslate_model_duration_seconds_bucket{le="0.1"}')).toBe(0);
  });

  it('adds tokens by direction, cache hits and misses, rate limits, and sets the queue gauges', async () => {
    const metrics = createMetrics({ processMetrics: false });
    metrics.tokens({ inputTokens: 1200, outputTokens: 300 });
    metrics.tokens({ inputTokens: 100, outputTokens: Number.NaN });
    metrics.cacheHit();
    metrics.cacheMiss();
    metrics.cacheMiss();
    metrics.rateLimited('slack');
    metrics.setQueue(4, 2);
    metrics.setQueue(3, 2);
    const { body } = await metrics.render();
    expect(sample(body, 'livetranslate_model_tokens_total{direction="in"}')).toBe(1300);
    expect(sample(body, 'livetranslate_model_tokens_total{direction="out"}')).toBe(300);
    expect(sample(body, 'livetranslate_cache_hits_total')).toBe(1);
    expect(sample(body, 'livetranslate_cache_misses_total')).toBe(2);
    expect(sample(body, 'livetranslate_platform_rate_limited_total{platform="slack"}')).toBe(1);
    expect(sample(body, 'livetranslate_platform_rate_limited_total{platform="discord"}')).toBe(0);
    expect(sample(body, 'livetranslate_queue_depth')).toBe(3);
    expect(sample(body, 'livetranslate_jobs_running')).toBe(2);
  });

  it('gives every instance its own registry, with process metrics on it', async () => {
    const a = createMetrics();
    const b = createMetrics({ prefix: 'other_' });
    a.cacheHit();
    const [bodyA, bodyB] = await Promise.all([a.render(), b.render()]).then((r) => r.map((x) => x.body));
    expect(sample(bodyA!, 'livetranslate_cache_hits_total')).toBe(1);
    expect(sample(bodyB!, 'other_cache_hits_total')).toBe(0);
    expect(bodyB).not.toContain('livetranslate_');
    expect(bodyA).toContain('process_cpu_user_seconds_total');
    expect(bodyA).toContain('nodejs_heap_size_used_bytes');
  });
});

describe('memory_entries', () => {
  it('reports the size of each tracked map at scrape time, the latest registration winning', async () => {
    const m = createMetrics({ processMetrics: false });
    let n = 3;
    m.trackSize('discord', 'edit_budgets', () => n);
    m.trackSize('slack', 'event_ids', () => 7);
    expect((await m.render()).body).toContain('livetranslate_memory_entries{platform="discord",map="edit_budgets"} 3');
    n = 5;
    const body = (await m.render()).body;
    expect(body).toContain('livetranslate_memory_entries{platform="discord",map="edit_budgets"} 5');
    expect(body).toContain('livetranslate_memory_entries{platform="slack",map="event_ids"} 7');
  });
});
