import { isTranslateError } from '../../src/errors.js';

/** What became of a piece of hostile input: `accepted`, or the error's code and the line a user would read. */
export async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'accepted';
  } catch (err) {
    return isTranslateError(err) ? `${err.code}: ${err.message}` : `Error: ${(err as Error).message}`;
  }
}
