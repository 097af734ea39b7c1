import { TranslateError } from '../errors.js';

/**
 * What a worker's abort reason means for the job: the user's cancel, or a hand-back (the reply must stay as it is).
 * Kept apart from job-queue.ts so the core can use it without loading BullMQ and ioredis (only the gateway and worker
 * roles need them).
 */
export function stopError(reason: unknown): TranslateError {
  return reason === 'handback' ? new TranslateError('HANDED_BACK') : new TranslateError('CANCELLED');
}
