import type { App, webApi } from '@slack/bolt';
import { jobKey, type ChatJobRequest, type ChatJobs } from '../../src/jobs/chat-jobs.js';
import { applySettings } from '../../commands/settings.js';
import { NOTICES } from '../../src/jobs/notices.js';
import { usageReport, type Prices } from '../../commands/usage.js';
import { asTranslateError, userMessage } from '../../src/errors.js';
import { findLanguage, languageFromFlag } from '../../src/languages.js';
import { Cooldown, type BudgetLimits } from '../../src/jobs/limits.js';
import { checkChannel, defaultTarget } from '../../src/jobs/resolve-target.js';
import type { JobTrigger } from '../../src/ops/metrics.js';
import type { Store } from '../../src/store/types.js';
import { slackSettingsChange } from './settings-text.js';
import type { Logger } from '../../src/logger.js';
import type { TranslationAsk } from '../../src/plan.js';
import { fileLabel, fileSource, mediaFiles, refusalBeforeDownload } from './files.js';
import { MODAL_CALLBACK, readModal, translateModal, type ModalTarget, type SlackFile } from './modals.js';
import type { SlackPlace } from './reply-surface.js';

interface MessageWithFiles { ts: string; thread_ts?: string; files?: SlackFile[] }

/** Routes Slack's shortcuts, slash command, modal submissions, reactions and buttons into chat jobs. */
export interface SlackHandlerOptions {
  jobs: ChatJobs<SlackPlace>;
  client: webApi.WebClient;
  logger: Logger;
  maxBytes: number;
  store?: Store | undefined;
  cooldown: Cooldown;
  prices: Prices;
  budgets: BudgetLimits;
}

export class SlackHandlers {
  private readonly jobs: ChatJobs<SlackPlace>;
  private readonly client: webApi.WebClient;
  private readonly logger: Logger;
  private readonly maxBytes: number;

  constructor(private readonly o: SlackHandlerOptions) {
    this.jobs = o.jobs;
    this.client = o.client;
    this.logger = o.logger;
    this.maxBytes = o.maxBytes;
  }

  register(app: App): void {
    app.shortcut('translate_message', async ({ ack, shortcut }) => {
      await ack();
      const s = shortcut as unknown as { user: { id: string }; team: { id: string } | null; channel: { id: string }; message: MessageWithFiles };
      const teamId = s.team?.id ?? '';
      if (!(await this.allowedHere(teamId, s.channel.id, s.user.id))) return;
      const to = await defaultTarget(this.o.store, 'slack', teamId, s.user.id, await this.userLocale(s.user.id));
      this.translateMessage(teamId, s.channel.id, s.message, s.user.id, { to }, 'shortcut');
    });
    app.shortcut('translate_message_to', async ({ ack, shortcut }) => {
      await ack();
      const s = shortcut as unknown as { trigger_id: string; user: { id: string }; channel: { id: string }; message: MessageWithFiles };
      if (await this.refuseEarly(s.channel.id, s.user.id, mediaFiles(s.message.files))) return;
      const target: ModalTarget = { channelId: s.channel.id, messageTs: s.message.ts, threadTs: s.message.thread_ts ?? s.message.ts };
      const to = await defaultTarget(this.o.store, 'slack', undefined, s.user.id, await this.userLocale(s.user.id));
      await this.client.views.open({ trigger_id: s.trigger_id, view: translateModal(target, to, false) });
    });
    app.command('/translate', async ({ ack, command }) => {
      const [word, ...rest] = command.text.trim().split(/\s+/);
      if (word === 'settings' || word === 'usage') {
        const text = await this.settingsOrUsage(command.team_id, command.user_id, word, rest);
        return void (await ack({ response_type: 'ephemeral', text }));
      }
      await ack();
      const target: ModalTarget = { channelId: command.channel_id };
      const to = await defaultTarget(this.o.store, 'slack', command.team_id, command.user_id, await this.userLocale(command.user_id));
      await this.client.views.open({ trigger_id: command.trigger_id, view: translateModal(target, to, true) });
    });
    app.view(MODAL_CALLBACK, async ({ ack, view, body }) => {
      const { ask, files } = readModal(view.state.values);
      const target = JSON.parse(view.private_metadata) as ModalTarget;
      const teamId = body.team?.id ?? '';
      if (!target.messageTs) {
        const media = mediaFiles(files);
        const refusal = refusalBeforeDownload(media, this.maxBytes);
        if (refusal) return void (await ack({ response_action: 'errors', errors: { file: refusal } }));
        await ack();
        this.start(media, ask, body.user.id, { teamId, channelId: target.channelId, threadTs: undefined, userId: body.user.id }, 'modal');
        return;
      }
      await ack();
      const message = await this.fetchMessage(target.channelId, target.messageTs);
      if (message) this.translateMessage(teamId, target.channelId, message, body.user.id, ask, 'modal');
    });
    app.event('reaction_added', async ({ event, body }) => {
      const language = languageFromFlag(event.reaction);
      if (!language || event.item.type !== 'message') return;
      const message = await this.fetchMessage(event.item.channel, event.item.ts);
      const media = mediaFiles(message?.files);
      if (!message || media.length === 0) return;
      const teamId = (body as { team_id?: string }).team_id ?? '';
      try {
        await checkChannel(this.o.store, 'slack', teamId, event.item.channel);
        this.o.cooldown.take(`slack:${event.user}`);
      } catch (err) {
        return void this.logger.info({ err }, 'reaction not translated');
      }
      this.start(media, { to: language.code }, event.user, { teamId, channelId: event.item.channel, threadTs: message.thread_ts ?? message.ts, userId: event.user }, 'reaction');
    });
    app.event('message', async ({ event, body, context }) => {
      // auto-translate channels: every voice note or audio/video file posted there, into the configured languages
      const m = event as unknown as MessageWithFiles & { channel: string; user?: string; bot_id?: string; subtype?: string };
      const media = mediaFiles(m.files);
      // never the bot's own uploads (its translated speech), which would translate themselves in a loop
      if (!this.o.store || m.bot_id || !m.user || m.user === context.botUserId || media.length === 0) return;
      const teamId = (body as { team_id?: string }).team_id ?? '';
      const settings = await this.o.store.settings.getServer('slack', teamId).catch(() => undefined);
      for (const to of settings?.autoTranslate?.[m.channel] ?? []) {
        this.start(media, { to }, m.user, { teamId, channelId: m.channel, threadTs: m.thread_ts ?? m.ts, userId: m.user }, 'auto');
      }
    });
    app.action(/^lt:(cancel|retry):/, async ({ ack, action, body }) => {
      await ack();
      const b = body as unknown as { user: { id: string }; team?: { id: string } | null; channel?: { id: string }; message?: { ts: string; thread_ts?: string } };
      const [, verb, jobId = ''] = (action as { action_id: string }).action_id.split(':');
      const channelId = b.channel?.id ?? '';
      if (verb === 'cancel') {
        // a moderator here is a workspace admin or owner
        const result = await this.jobs.registry.cancelBy(jobId, b.user.id, () => this.isAdmin(b.user.id));
        if (result === 'not-allowed') await this.ephemeral(channelId, b.user.id, NOTICES.cancelNotAllowed);
        return;
      }
      const finished = this.jobs.registry.retryRequest(jobId);
      if (!finished) return void (await this.ephemeral(channelId, b.user.id, NOTICES.retryGone));
      const place = { teamId: b.team?.id ?? '', channelId, threadTs: b.message?.thread_ts ?? b.message?.ts, userId: b.user.id };
      void this.run({ ...finished.request, trigger: 'retry' }, b.user.id, place);
    });
  }

  /** Translates every audio/video file of a message into its thread, or tells the requester why not. */
  private translateMessage(
    teamId: string, channelId: string, message: MessageWithFiles, userId: string, ask: TranslationAsk, trigger: JobTrigger,
  ): void {
    const media = mediaFiles(message.files);
    void this.refuseEarly(channelId, userId, media).then((refused) => {
      if (!refused) this.start(media, ask, userId, { teamId, channelId, threadTs: message.thread_ts ?? message.ts, userId }, trigger);
    });
  }

  private start(files: SlackFile[], ask: TranslationAsk, userId: string, place: SlackPlace, trigger: JobTrigger): void {
    const languageName = findLanguage(ask.to)?.name;
    const scope = { platform: 'slack' as const, serverId: place.teamId, userId };
    void (async () => {
      for (const file of files) {
        const request: ChatJobRequest = {
          source: fileSource(file), fileName: fileLabel(file), ask, key: jobKey(file.id, ask), fileKey: `slack:${file.id}`, scope, trigger,
        };
        await this.run(request, userId, { ...place, ...(languageName ? { languageName } : {}) });
      }
    })();
  }

  /** `/translate settings …` and `/translate usage` (text subcommands, answered ephemerally). */
  private async settingsOrUsage(teamId: string, userId: string, word: string, args: string[]): Promise<string> {
    if (!this.o.store) return 'Settings need the bot\'s store, which is not configured.';
    try {
      if (word === 'usage') return await usageReport(this.o.store, 'slack', teamId, userId, this.o.prices, this.o.budgets);
      return await applySettings({
        store: this.o.store, platform: 'slack', serverId: teamId, userId, isAdmin: await this.isAdmin(userId),
        channelMention: (id) => `<#${id}>`,
      }, slackSettingsChange(args));
    } catch (err) {
      return `:warning: ${userMessage(asTranslateError(err))}`;
    }
  }

  private async allowedHere(teamId: string, channelId: string, userId: string): Promise<boolean> {
    try {
      await checkChannel(this.o.store, 'slack', teamId, channelId);
      return true;
    } catch (err) {
      await this.ephemeral(channelId, userId, userMessage(asTranslateError(err)));
      return false;
    }
  }

  private async run(request: ChatJobRequest, userId: string, place: SlackPlace): Promise<void> {
    try {
      await this.jobs.run(request, userId, place);
    } catch (err) {
      this.logger.error({ err }, 'slack job failed');
    }
  }

  private async refuseEarly(channelId: string, userId: string, media: SlackFile[]): Promise<boolean> {
    const refusal = refusalBeforeDownload(media, this.maxBytes);
    if (refusal) await this.ephemeral(channelId, userId, refusal);
    return refusal !== undefined;
  }

  private async ephemeral(channel: string, user: string, text: string): Promise<void> {
    await this.client.chat.postEphemeral({ channel, user, text }).catch((err: unknown) => this.logger.warn({ err }, 'ephemeral failed'));
  }

  private async fetchMessage(channel: string, ts: string): Promise<MessageWithFiles | undefined> {
    const res = await this.client.conversations.replies({ channel, ts, limit: 1, inclusive: true });
    return (res.messages?.[0] as MessageWithFiles | undefined) ?? undefined;
  }

  private async userLocale(user: string): Promise<string | undefined> {
    const res = await this.client.users.info({ user, include_locale: true }).catch(() => undefined);
    return res?.user?.locale;
  }

  private async isAdmin(user: string): Promise<boolean> {
    const res = await this.client.users.info({ user }).catch(() => undefined);
    return !!(res?.user?.is_admin || res?.user?.is_owner);
  }
}
