import { describe, expect, it } from 'vitest';
import { modalBlock, translateModal } from './modals.js';

const blockIds = (view: ReturnType<typeof translateModal>) => view.blocks.map((b) => (b as { block_id?: string }).block_id);

describe('modalBlock: a refusal is shown on a field the modal has', () => {
  it("/translate's modal has a file input: a file refusal goes on it", () => {
    const target = { channelId: 'C1' };
    expect(blockIds(translateModal(target, 'en', true))).toContain('file');
    expect(modalBlock('file', target)).toBe('file');
    expect(modalBlock('from', target)).toBe('from');
  });

  it('"Translate to…" has no file input (it translates its message): a file refusal goes on no field', () => {
    const target = { channelId: 'C1', messageTs: '1700000000.000100' };
    expect(blockIds(translateModal(target, 'en', false))).not.toContain('file');
    expect(modalBlock('file', target)).toBeUndefined();
    expect(modalBlock('to', target)).toBe('to');
    expect(modalBlock(undefined, target)).toBeUndefined();
  });
});
