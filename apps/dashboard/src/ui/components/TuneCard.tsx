import type { Sample } from '../../api/schemas';
import { useDashboard } from '../context';
import { AbcNotation } from './AbcNotation';
import { MidiLink } from './MidiLink';

const yesNo = (v: boolean | null | undefined, yes: string, no: string) => (v === null || v === undefined ? null : v ? yes : no);

/** A sampled tune: notation, player, downloads, and how valid and how new it is. */
export function TuneCard({ sample }: { sample: Sample }) {
  const { api } = useDashboard();
  const e = sample.eval;
  const title = /^T:\s*(.+)$/m.exec(sample.abc)?.[1] ?? sample.id;
  return (
    <article className="tune" data-testid="tune" data-sample={sample.id}>
      <header>
        <strong>{title}</strong> <span className="muted">seed {sample.settings.seed}, T={sample.settings.temperature}</span>
      </header>
      {e && (
        <p className="scores" data-testid="scores">
          <span className={e.valid ? 'ok' : 'bad'}>{e.valid ? '✓ valid ABC' : `✗ invalid (${e.errorCodes.slice(0, 3).join(', ')})`}</span>
          <span className={e.barsOk ? 'ok' : 'bad'}>{e.barsOk ? '✓ bars' : '✗ bar lengths'}</span>
          {yesNo(e.abc2midiClean, '✓ abc2midi', '✗ abc2midi') && <span className={e.abc2midiClean ? 'ok' : 'bad'}>{yesNo(e.abc2midiClean, '✓ abc2midi', '✗ abc2midi')}</span>}
          {e.novelty ? (
            <span className={e.novelty.copy ? 'bad' : 'ok'} title={e.novelty.nearest ? `nearest training tune: ${e.novelty.nearest}` : undefined}>
              {e.novelty.copy ? '✗ copies a training tune' : '✓ novel'}: longest shared span {e.novelty.lcs} chars ({Math.round(e.novelty.lcsShare * 100)}%),{' '}
              {e.novelty.barsInReference}/{e.novelty.bars} bars seen in training
            </span>
          ) : (
            <span className="muted">novelty unknown (training corpus not found)</span>
          )}
        </p>
      )}
      <AbcNotation abc={sample.abc} />
      <p className="downloads">
        <a href={api.sampleUrl(sample.id, 'abc')} download>
          ⬇ .abc
        </a>{' '}
        <MidiLink href={api.sampleUrl(sample.id, 'mid')} abc={sample.abc} name={`${sample.id}.mid`} />
      </p>
      <details>
        <summary>ABC text</summary>
        <pre>{sample.abc}</pre>
      </details>
    </article>
  );
}
