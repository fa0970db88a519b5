import type { Sample } from '../../api/schemas';
import { useDashboard } from '../context';
import { AbcNotation } from './AbcNotation';
import { MidiLink } from './MidiLink';

const yesNo = (v: boolean | null | undefined, yes: string, no: string) => (v === null || v === undefined ? null : v ? yes : no);

const percent = (v: number) => `${(100 * v).toFixed(v > 0 && v < 0.001 ? 2 : 1)}%`;

/** What the sampler did to the tune: the mass the ABC checker masked, copies drawn again. Absent on older samples. */
function sampling(e: NonNullable<Sample['eval']>) {
  if (e.maskedMassMean === undefined) return null;
  const redraws = e.redraws ?? 0;
  return (
    <span className="muted" data-testid="masked-mass" title={`the ABC checker removed this share of the model's probability per symbol on average (at most ${percent(e.maskedMassMax ?? 0)} at one step)`}>
      masked {percent(e.maskedMassMean)} per symbol
      {redraws > 0 ? `, drawn again after ${redraws} ${redraws === 1 ? 'copy' : 'copies'}` : ''}
    </span>
  );
}

/** A sampled tune: notation, player, downloads, how valid and how new it is, and how much the checker steered it. */
export function TuneCard({ sample }: { sample: Sample }) {
  const { api } = useDashboard();
  const e = sample.eval;
  const title = /^T:\s*(.+)$/m.exec(sample.abc)?.[1] ?? sample.id;
  return (
    <article className="tune" data-testid="tune" data-sample={sample.id}>
      <header>
        <strong>{title}</strong>{' '}
        <span className="muted">
          seed {sample.settings.seed}, T={sample.settings.temperature}
          {sample.settings.constrain ? `, constrain ${sample.settings.constrain}` : ''}
          {sample.settings.meter ? `, meter ${sample.settings.meter}` : ''}
        </span>
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
          {sampling(e)}
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
