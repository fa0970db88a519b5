import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFile, REFUSED_WARNINGS, SymbolConstraint, TuneChecker } from '@tunelab/abc';
import { abcSymbols } from './tokens';
import { Vocabulary } from './vocabulary';

const DATA = process.env.TUNELAB_DATA_DIR ?? '/work/shared/data/nottingham';
const present = existsSync(join(DATA, 'jigs.abc'));

// The incremental checker reads text; a token vocabulary hands it several characters at a time. Fed the
// Nottingham jigs token by token, it must decide as it does character by character.
describe.skipIf(!present)('the incremental checker with the token vocabulary', () => {
  const text = present ? readFileSync(join(DATA, 'jigs.abc'), 'utf8') : '';
  const tunes = parseFile(text, 'jigs.abc').tunes;

  it('accepts every jig abc check accepts, token by token, and refuses the others', () => {
    let accepted = 0;
    for (const tune of tunes) {
      const body = tune.source.text.replace(/\s+$/, '');
      const closed = /[|:\]]$/.test(body);
      const ok = !tune.findings.some((f) => f.severity === 'error' || REFUSED_WARNINGS.includes(f.code));
      const checker = new TuneChecker('meter');
      let alive = true;
      for (const token of abcSymbols(closed ? `${body}\n\n` : `${body}\n`)) alive = alive && checker.push(token);
      if (ok) {
        expect(alive, `${tune.source.line}: ${checker.reason}`).toBe(true);
        if (closed) expect(checker.ended).toBe(true);
        accepted++;
      } else {
        expect(closed ? checker.ended : alive).toBe(false);
      }
    }
    expect(accepted).toBeGreaterThan(150);
  });

  it('masks the jigs token vocabulary: the next token of a real jig is always allowed', () => {
    const vocab = Vocabulary.build(text, 'token');
    const mask = new Uint8Array(vocab.size);
    const good = tunes.filter((t) => !t.findings.some((f) => f.severity === 'error' || REFUSED_WARNINGS.includes(f.code))).slice(0, 10);
    for (const tune of good) {
      const constraint = new SymbolConstraint(vocab.symbols, 'meter', { wholeNotes: true });
      for (const id of vocab.encode(tune.source.text.replace(/\s+$/, ''))) {
        constraint.allowed(mask, 1000);
        expect(mask[id], `${tune.source.line}: ${JSON.stringify(vocab.symbols[id])}`).toBe(1);
        expect(constraint.accept(id)).toBe(true);
      }
    }
  });
});
