import type { TriggerFile, TriggerWhere } from './trigger.js';

/** How long a "Translate to…" language menu stays usable. */
export const CHOICE_TTL_MS = 15 * 60_000;

/**
 * "Translate to…" menus waiting for a language: the message's files as the menu command saw them (on Discord a later
 * fetch cannot see other people's attachments without Message Content). Keyed by platform, user and message, so a
 * menu answered by someone else — or a component id typed by hand — finds nothing; the channel must match too.
 */
export class PendingChoices {
  private readonly entries = new Map<string, { files: TriggerFile[]; channelId: string; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.entries.size;
  }

  remember(where: TriggerWhere, messageId: string, files: TriggerFile[]): void {
    this.prune();
    this.entries.set(key(where, messageId), { files, channelId: where.channelId, at: this.now() });
  }

  /** The files of that user's menu on that message, once (undefined when unknown, expired or elsewhere). */
  take(where: TriggerWhere, messageId: string): TriggerFile[] | undefined {
    this.prune();
    const k = key(where, messageId);
    const entry = this.entries.get(k);
    if (!entry || entry.channelId !== where.channelId) return undefined;
    this.entries.delete(k);
    return entry.files;
  }

  private prune(): void {
    const cutoff = this.now() - CHOICE_TTL_MS;
    for (const [k, e] of this.entries) if (e.at < cutoff) this.entries.delete(k);
  }
}

const key = (where: TriggerWhere, messageId: string) => `${where.platform}:${where.userId}:${messageId}`;
