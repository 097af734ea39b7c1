import { describe, expect, it } from 'vitest';
import { splitPoint } from './split-text.js';

describe('splitPoint', () => {
  it('keeps text that fits whole', () => {
    expect(splitPoint('hello', 5)).toBe(5);
    expect(splitPoint('', 5)).toBe(0);
  });

  it('prefers the last newline in the last quarter, keeping the newline with the first piece', () => {
    //            0123456789012345678901234
    const text = 'aaaa bbbb cccc\ndddd eeee ffff';
    // max 20: window is [15, 20]; newline at 14 gives cut 15
    expect(splitPoint(text, 20)).toBe(15);
    expect(text.slice(0, 15)).toBe('aaaa bbbb cccc\n');
  });

  it('ignores a newline before the last quarter and uses the last whitespace instead', () => {
    const text = 'aa\nbbbbbbbbbbbbb cc dddd'; // newline at 2, spaces at 16 and 19
    expect(splitPoint(text, 20)).toBe(20);
    expect(splitPoint(text, 19)).toBe(17);
  });

  it('cuts hard at max when there is no break in the last quarter', () => {
    expect(splitPoint('x'.repeat(30), 20)).toBe(20);
    expect(splitPoint('ab ' + 'x'.repeat(30), 20)).toBe(20);
  });

  it('breaks after CJK punctuation when there is no whitespace', () => {
    const text = '你好世界你好世界你好世界你好。世界你好世界你好';
    expect(splitPoint(text, 16)).toBe(15);
  });

  it('never cuts inside a surrogate pair', () => {
    const text = 'x'.repeat(19) + '😀' + 'yyyy'; // the emoji occupies 19 and 20
    expect(splitPoint(text, 20)).toBe(19);
    expect(splitPoint(text, 21)).toBe(21);
  });

  it('always makes progress, even with a limit of 1', () => {
    expect(splitPoint('abc', 1)).toBe(1);
    expect(splitPoint('😀😀', 1)).toBe(1); // cannot keep a pair in 1 unit: a lone cut is the only progress
  });
});
