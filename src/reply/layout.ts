import { userMessage } from '../errors.js';
import { NOTICES } from '../jobs/notices.js';
import type { ReplyHeader } from '../jobs/types.js';
import type { ReplyView } from './types.js';

/**
 * The layout of one reply message, decided once for every platform: which header fields, how long each may be,
 * the status line, the closing lines and the buttons. An adapter only turns a `ReplyLayout` into its markup
 * (Discord markdown and components, Slack mrkdwn and blocks) and escapes text that is not ours.
 */
export interface ReplyLayout {
  /** Part 0: the header (`undefined` fields are left out); later parts: undefined (they show `continuation`). */
  header: LaidOutHeader | 'pending' | undefined;
  /** A later part of a reply that outgrew one message. */
  continuation: boolean;
  /** The translated text of this message (model text: escape it). */
  text: string;
  /**
   * `working`: still streaming (an in-progress marker); `continued`: the text goes on in the next message;
   * `in-file`: the reply is at its most messages and the rest of the text is in the attached file.
   */
  status: 'working' | 'continued' | 'in-file' | undefined;
  /** A progress line while it runs (a long recording: "Segment 3 of 24 · 12:30 / 58:10"). */
  progress: string | undefined;
  /** How the reply ended, one line each, in order. */
  closing: ClosingLine[];
  buttons: ReplyButton[];
}

export interface LaidOutHeader {
  languages: string;
  voice: string | undefined;
  /** Clipped to `CLIP.fileName` (a user's file name: escape it). */
  fileName: string | undefined;
  /** Each clipped to `CLIP.notice`. */
  notices: string[];
}

export type ClosingLine =
  | { kind: 'warning'; text: string }
  | { kind: 'footer'; text: string }
  | { kind: 'cancelled'; text: string };

export interface ReplyButton {
  action: 'cancel' | 'retry';
  /** The platform's custom / action id (see `componentId`). */
  id: string;
  label: string;
  primary: boolean;
}

/** How long user-supplied and error strings may be in a reply. */
export const CLIP = { fileName: 60, notice: 150, error: 300 } as const;

export const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Component ids (Discord custom_id, Slack action_id): `lt:<action>:<id>`. What comes back from a click is typed
 * by whoever clicks, so it is parsed strictly: a known action and an id of 1–64 word characters, or nothing.
 */
export const componentId = {
  cancel: (jobId: string) => `lt:cancel:${jobId}`,
  retry: (jobId: string) => `lt:retry:${jobId}`,
  pick: (messageId: string) => `lt:to:${messageId}`,
};

export function parseComponentId(raw: string): { action: 'cancel' | 'retry' | 'to'; id: string } | undefined {
  const m = /^lt:(cancel|retry|to):([\w-]{1,64})$/.exec(raw);
  return m ? { action: m[1] as 'cancel' | 'retry' | 'to', id: m[2]! } : undefined;
}

export function layoutReply(view: ReplyView, header: ReplyHeader | undefined, jobId: string): ReplyLayout {
  const buttons: ReplyButton[] = [];
  const closing: ClosingLine[] = [];
  let status: ReplyLayout['status'];
  if (!view.final) {
    status = 'working';
    buttons.push({ action: 'cancel', id: componentId.cancel(jobId), label: 'Cancel', primary: false });
  } else if (view.continued) {
    status = 'continued';
  }
  if (view.overflow) status = view.final ? 'in-file' : status;
  const outcome = view.outcome;
  if (outcome?.status === 'done') {
    if (outcome.truncated) closing.push({ kind: 'warning', text: NOTICES.truncated });
    if (outcome.footer) closing.push({ kind: 'footer', text: outcome.footer });
  } else if (outcome?.status === 'failed') {
    closing.push({ kind: 'warning', text: clip(userMessage(outcome.error), CLIP.error) });
    if (outcome.error.retryable) buttons.push({ action: 'retry', id: componentId.retry(jobId), label: 'Retry', primary: true });
  } else if (outcome?.status === 'cancelled') {
    closing.push({ kind: 'cancelled', text: NOTICES.cancelled });
  }
  return {
    header: view.part === 0 ? laidOutHeader(header) : undefined,
    continuation: view.part > 0,
    text: view.text,
    status,
    progress: view.final ? undefined : header?.progress,
    closing,
    buttons,
  };
}

function laidOutHeader(header: ReplyHeader | undefined): LaidOutHeader | 'pending' {
  if (!header) return 'pending';
  return {
    languages: header.languages,
    voice: header.voice,
    fileName: header.fileName === undefined ? undefined : clip(header.fileName, CLIP.fileName),
    notices: header.notices.map((n) => clip(n, CLIP.notice)),
  };
}
