import { describe, expect, it } from 'vitest';
import { newJobId } from './job-registry.js';

describe('newJobId', () => {
  it('is 12 hex characters and never all digits (BullMQ refuses integer job ids)', () => {
    // all digits is (10/16)^12 ≈ 1 in 280: some 70 of 20,000 draws without the guard
    const ids = Array.from({ length: 20_000 }, newJobId);
    expect(ids.every((id) => /^[0-9a-f]{12}$/.test(id))).toBe(true);
    expect(ids.filter((id) => /^\d+$/.test(id))).toEqual([]);
  });
});
