import { describe, expect, it } from 'vitest';
import { appendLogTail } from './log-tail';

describe('appendLogTail', () => {
  it('appends on a new line', () => {
    expect(appendLogTail('', 'a')).toBe('a');
    expect(appendLogTail('a', 'b')).toBe('a\nb');
    expect(appendLogTail('a\n', 'b\n')).toBe('a\nb\n');
  });

  it('keeps the last lines only', () => {
    const lines = Array.from({ length: 250 }, (_, i) => `line ${i}`);
    const tail = appendLogTail('', lines.join('\n') + '\n', 200);
    expect(tail.split('\n').filter(Boolean)).toHaveLength(200);
    expect(tail.startsWith('line 50\n')).toBe(true);
    expect(tail.endsWith('line 249\n')).toBe(true);
  });

  it('bounds characters, keeping the end', () => {
    const tail = appendLogTail('x'.repeat(100), 'END', 200, 10);
    expect(tail).toHaveLength(10);
    expect(tail.endsWith('END')).toBe(true);
  });
});
