import { userMessage } from '../errors.js';
import { NOTICES } from './notices.js';
import type { TriggerResult } from './trigger.js';

/** What the requester is told about a trigger, before any reply of its jobs: the text and whether it is a warning. */
export interface TriggerNotice {
  warning: boolean;
  text: string;
}

/**
 * The notice for a trigger's result, decided once for every platform (adapters add their markup: an emoji for a
 * warning, escaping): a refusal says why (unless `quiet`), and a request whose jobs were all or partly running
 * already says so. Nothing for a trigger that started everything it asked for, or asked nothing.
 */
export function triggerNotice(result: TriggerResult): TriggerNotice | undefined {
  if (result.status === 'refused') return result.quiet ? undefined : { warning: true, text: userMessage(result.reason) };
  if (result.status === 'deduplicated' || (result.status === 'started' && result.duplicates > 0)) return { warning: false, text: NOTICES.alreadyRunning };
  return undefined;
}
