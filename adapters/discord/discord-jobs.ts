import type { REST } from 'discord.js';
import type { Clock } from '../../src/clock.js';
import { runChatJob } from '../../src/jobs/chat-job.js';
import { JobRegistry } from '../../src/jobs/job-registry.js';
import type { ChatJobDeps, ChatJobOutcome } from '../../src/jobs/types.js';
import type { MediaSource } from '../../src/media/types.js';
import type { TranslationAsk } from '../../src/plan.js';
import { EDIT_LIMITS, EditBudgets } from '../../src/reply/edit-budget.js';
import { DiscordReplySurface, type ReplyPlace } from './reply-surface.js';

/** What a Discord job translates; kept for Retry. */
export interface DiscordJobRequest {
  source: MediaSource;
  fileName: string;
  ask: TranslationAsk;
  /** Dedupe key: the same media to the same language runs once at a time. */
  key: string;
}

/** Dedupe key: the same file to the same language and voice runs once at a time; `unique` opts out. */
export function jobKey(fileId: string, ask: TranslationAsk, unique = ''): string {
  return [fileId, ask.to, ask.voice ?? '', ask.textOnly ? 'text' : '', unique].join(':');
}

/**
 * Starts chat jobs on Discord reply places: one edit budget per rate-limit scope (each interaction webhook, each
 * channel), shared by every job there; one registry for Cancel, Retry and dedupe.
 */
export class DiscordJobs {
  readonly registry = new JobRegistry<DiscordJobRequest>();
  private readonly budgets: EditBudgets;

  constructor(
    private readonly rest: REST,
    private readonly deps: Omit<ChatJobDeps, 'budget'>,
    private readonly clock: Clock,
  ) {
    this.budgets = new EditBudgets({ ...EDIT_LIMITS.discordChannel, clock });
  }

  /** Runs the job unless the same one is running; resolves with its outcome (undefined when deduplicated). */
  run(request: DiscordJobRequest, requesterId: string, place: ReplyPlace): Promise<ChatJobOutcome> | undefined {
    const scope = place.kind === 'interaction' ? `webhook:${place.token.slice(-16)}` : `channel:${place.channelId}`;
    const started = this.registry.start(request, requesterId, request.key, (job) => {
      const surface = new DiscordReplySurface(this.rest, place, job.id, this.clock);
      return runChatJob(
        { id: job.id, source: request.source, fileName: request.fileName, ask: request.ask },
        surface,
        { ...this.deps, budget: this.budgets.get(scope) },
        job.controller.signal,
      );
    });
    return started?.done;
  }
}
