import type { App, webApi } from '@slack/bolt';
import { applySettings } from '../../commands/settings.js';
import { usageReport, type Prices } from '../../commands/usage.js';
import { asTranslateError, userMessage } from '../../src/errors.js';
import { languageFromFlag } from '../../src/languages.js';
import type { ChatJobs } from '../../src/jobs/chat-jobs.js';
import type { BudgetLimits } from '../../src/jobs/limits.js';
import { NOTICES } from '../../src/jobs/notices.js';
import type { Trigger, TriggerResult, TriggerWhere } from '../../src/jobs/trigger.js';
import { triggerNotice } from '../../src/jobs/trigger-notice.js';
import { parseComponentId } from '../../src/reply/layout.js';
import type { Logger } from '../../src/logger.js';
import type { Store } from '../../src/store/types.js';
import { triggerFiles } from './files.js';
import { MODAL_CALLBACK, modalBlock, readModal, translateModal, type ModalTarget, type SlackFile } from './modals.js';
import { renderLines, renderNotice } from './render.js';
import type { SlackPlace } from './reply-surface.js';
import { slackSettingsChange } from './settings-text.js';

interface MessageWithFiles { ts: string; thread_ts?: string; files?: SlackFile[] }

export interface SlackHandlerOptions {
  jobs: ChatJobs<SlackPlace>;
  client: webApi.WebClient;
  logger: Logger;
  store?: Store | undefined;
  prices: Prices;
  budgets: BudgetLimits;
}

type TriggerPart<P> = Omit<Trigger<P>, keyof TriggerWhere | 'placeFor'>;

/**
 * Slack's shortcuts, `/translate` and its modal, flag reactions, auto-translate channels and the Cancel and Retry
 * buttons: each becomes one core call, and what comes back is rendered (refusals ephemerally, to the requester only;
 * an invalid modal choice as an error on its field).
 */
export class SlackHandlers {
  constructor(private readonly o: SlackHandlerOptions) {}

  register(app: App): void {
    app.shortcut('translate_message', async ({ ack, shortcut }) => {
      await ack();
      const s = shortcut as unknown as { user: { id: string }; team: { id: string } | null; channel: { id: string }; message: MessageWithFiles };
      const at = where(s.team?.id, s.channel.id, s.user.id);
      await this.trigger(at, s.message, { kind: 'shortcut', target: { kind: 'default' }, files: triggerFiles(s.message.files), locale: await this.userLocale(at.userId) });
    });
    app.shortcut('translate_message_to', async ({ ack, shortcut }) => {
      await ack();
      const s = shortcut as unknown as { trigger_id: string; user: { id: string }; team: { id: string } | null; channel: { id: string }; message: MessageWithFiles };
      const at = where(s.team?.id, s.channel.id, s.user.id);
      const refusal = await this.o.jobs.precheck({ ...at, files: triggerFiles(s.message.files) });
      if (refusal) return this.render(at, refusal);
      const target: ModalTarget = { channelId: s.channel.id, messageTs: s.message.ts };
      const to = await this.o.jobs.defaultTarget(at, await this.userLocale(at.userId));
      await this.o.client.views.open({ trigger_id: s.trigger_id, view: translateModal(target, to, false) });
    });
    app.command('/translate', async ({ ack, command }) => {
      const [word, ...rest] = command.text.trim().split(/\s+/);
      if (word === 'settings' || word === 'usage') {
        return void (await ack({ response_type: 'ephemeral', text: await this.settingsOrUsage(command.team_id, command.user_id, word, rest) }));
      }
      await ack();
      const at = where(command.team_id, command.channel_id, command.user_id);
      // a closed channel is refused before the form opens (its file is checked when the form is submitted)
      const refusal = await this.o.jobs.precheck(at);
      if (refusal) return this.render(at, refusal);
      const to = await this.o.jobs.defaultTarget(at, await this.userLocale(at.userId));
      await this.o.client.views.open({ trigger_id: command.trigger_id, view: translateModal({ channelId: command.channel_id }, to, true) });
    });
    app.view(MODAL_CALLBACK, async ({ ack, view, body }) => {
      const { ask, files } = readModal(view.state.values);
      const target = JSON.parse(view.private_metadata) as ModalTarget;
      const at = where(body.team?.id, target.channelId, body.user.id);
      const message = target.messageTs ? await this.fetchMessage(target.channelId, target.messageTs) : undefined;
      if (target.messageTs && !message) {
        await ack();
        return this.unreadable(at);
      }
      let acked = false;
      const acknowledge = async () => {
        acked = true;
        await ack();
      };
      const result = await this.o.jobs.trigger({
        ...at, kind: 'modal', target: { kind: 'ask', ask }, files: triggerFiles(message ? message.files : files),
        placeFor: () => ({ teamId: at.serverId ?? '', channelId: at.channelId, threadTs: message ? message.thread_ts ?? message.ts : undefined, userId: at.userId }),
        acknowledge,
      });
      // Slack's own way to refuse a form: the error on its field, the modal stays open
      const block = result.status === 'refused' ? modalBlock(result.field, target) : undefined;
      if (result.status === 'refused' && block) return void (await ack({ response_action: 'errors', errors: { [block]: userMessage(result.reason) } }));
      if (!acked) await ack();
      await this.settle(at, result);
    });
    app.event('reaction_added', async ({ event, body }) => {
      const language = languageFromFlag(event.reaction);
      if (!language || event.item.type !== 'message') return;
      const at = where((body as { team_id?: string }).team_id, event.item.channel, event.user);
      const message = await this.fetchMessage(event.item.channel, event.item.ts);
      if (!message) return this.unreadable(at);
      await this.trigger(at, message, { kind: 'reaction', target: { kind: 'flag', language: language.code }, files: triggerFiles(message.files) });
    });
    app.event('message', async ({ event, body, context }) => {
      // auto-translate channels: every voice note or audio/video file posted there, into the configured languages
      const m = event as unknown as MessageWithFiles & { channel: string; user?: string; bot_id?: string };
      if (!m.files?.length) return;
      const at = where((body as { team_id?: string }).team_id, m.channel, m.user ?? '');
      // never the bot's own uploads (its translated speech), which would translate themselves in a loop
      const byBot = !!m.bot_id || !m.user || m.user === context.botUserId;
      await this.trigger(at, m, { kind: 'auto', target: { kind: 'auto' }, files: triggerFiles(m.files), byBot });
    });
    app.action(/^lt:(cancel|retry):/, async ({ ack, action, body }) => {
      await ack();
      const b = body as unknown as { user: { id: string }; team?: { id: string } | null; channel?: { id: string }; message?: { ts: string; thread_ts?: string } };
      const id = parseComponentId((action as { action_id: string }).action_id);
      const at = where(b.team?.id, b.channel?.id ?? '', b.user.id);
      if (id?.action === 'cancel') {
        // a moderator here is a workspace admin or owner
        const result = await this.o.jobs.cancel({ ...at, jobId: id.id, isModerator: () => this.isAdmin(at.userId) });
        if (result.status === 'refused') await this.ephemeral(at, result.notice);
      } else if (id?.action === 'retry') {
        await this.trigger(at, { ts: b.message?.ts ?? '', thread_ts: b.message?.thread_ts }, { kind: 'retry', target: { kind: 'retry', jobId: id.id }, files: [] });
      }
    });
  }

  /** A trigger whose replies go into the thread of `message`. */
  private async trigger(at: TriggerWhere, message: MessageWithFiles, t: TriggerPart<SlackPlace>): Promise<void> {
    const result = await this.o.jobs.trigger({
      ...t, ...at,
      placeFor: () => ({ teamId: at.serverId ?? '', channelId: at.channelId, threadTs: message.thread_ts ?? message.ts, userId: at.userId }),
    });
    await this.settle(at, result);
  }

  /** Shows what the core decided to the requester only, then waits for the jobs (their replies are their own). */
  private async settle(at: TriggerWhere, result: TriggerResult): Promise<void> {
    await this.render(at, result);
    if (result.status === 'started') await result.done;
  }

  private async render(at: TriggerWhere, result: TriggerResult): Promise<void> {
    const notice = triggerNotice(result);
    if (notice) await this.ephemeral(at, renderNotice(notice));
  }

  /** A message the user pointed at could not be fetched: say so (a closed channel says that instead). */
  private async unreadable(at: TriggerWhere): Promise<void> {
    const refusal = await this.o.jobs.precheck(at);
    if (refusal) return this.render(at, refusal);
    await this.ephemeral(at, renderNotice({ warning: true, text: NOTICES.messageUnreadable }));
  }

  /** `/translate settings …` and `/translate usage` (text subcommands, answered ephemerally). */
  private async settingsOrUsage(teamId: string, userId: string, word: string, args: string[]): Promise<string> {
    if (!this.o.store) return renderNotice({ warning: true, text: NOTICES.noStore });
    try {
      if (word === 'usage') return renderLines(await usageReport(this.o.store, 'slack', teamId, userId, this.o.prices, this.o.budgets));
      return renderLines(await applySettings({
        store: this.o.store, platform: 'slack', serverId: teamId, userId, isAdmin: await this.isAdmin(userId),
        channelMention: (id) => `<#${id}>`,
      }, slackSettingsChange(args)));
    } catch (err) {
      return renderNotice({ warning: true, text: userMessage(asTranslateError(err)) });
    }
  }

  private async ephemeral(at: TriggerWhere, text: string): Promise<void> {
    await this.o.client.chat.postEphemeral({ channel: at.channelId, user: at.userId, text }).catch((err: unknown) => this.o.logger.warn({ err }, 'ephemeral failed'));
  }

  /** The exact message at `ts`, a thread reply included (`conversations.replies` lists a thread from its parent). */
  private async fetchMessage(channel: string, ts: string): Promise<MessageWithFiles | undefined> {
    const res = await this.o.client.conversations.replies({ channel, ts, oldest: ts, latest: ts, inclusive: true, limit: 10 })
      .catch((err: unknown) => void this.o.logger.warn({ err }, 'could not fetch the message'));
    return (res?.messages as MessageWithFiles[] | undefined)?.find((m) => m.ts === ts);
  }

  private async userLocale(user: string): Promise<string | undefined> {
    const res = await this.o.client.users.info({ user, include_locale: true }).catch(() => undefined);
    return res?.user?.locale;
  }

  private async isAdmin(user: string): Promise<boolean> {
    const res = await this.o.client.users.info({ user }).catch(() => undefined);
    return !!(res?.user?.is_admin || res?.user?.is_owner);
  }
}

const where = (teamId: string | undefined, channelId: string, userId: string): TriggerWhere => ({
  platform: 'slack', serverId: teamId || undefined, channelId, userId,
});
