import { useEffect, useState, type FormEvent } from 'react';
import type { GenerateRequest, MeterChoice, Sample } from '../../api/schemas';
import { useDashboard } from '../context';
import { ErrorNote } from './marks';
import { TuneCard } from './TuneCard';

/** The values of the request's `constrain` (what the ABC checker refuses while sampling), with what each means. */
const CONSTRAIN_CHOICES: { value: NonNullable<GenerateRequest['constrain']>; title: string }[] = [
  { value: 'meter', title: 'well-formed ABC whose bars fit the meter' },
  { value: 'syntax', title: 'well-formed ABC; bar lengths not checked' },
  { value: 'off', title: "the model's own distribution, unchecked" },
];

/** Sampling settings for one checkpoint, and the tunes it wrote (newest first; earlier samples load too). */
export function GeneratePanel({ checkpointId }: { checkpointId: string }) {
  const { api } = useDashboard();
  const [form, setForm] = useState({ temperature: '1', topK: '', topP: '', prime: '', seed: '', n: '1', maxLength: '600', constrain: 'meter', meter: '6/8' });
  /** The meters of the checkpoint's training tunes (the kinds of tune it learned), from the server. */
  const [meters, setMeters] = useState<MeterChoice[]>([]);
  const [allowCopies, setAllowCopies] = useState(false);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api
      .listSamples(checkpointId)
      .then((r) => setSamples(r.samples))
      .catch(() => {});
    api
      .listMeters(checkpointId)
      .then((r) => {
        setMeters(r.meters);
        // The form starts on 6/8 (jigs); a corpus without it starts on its own default. A meter the user
        // already chose is kept.
        if (!r.meters.some((m) => m.meter === '6/8')) setForm((f) => (f.meter === '6/8' ? { ...f, meter: r.default } : f));
      })
      .catch(() => {});
  }, [api, checkpointId]);

  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value });
  const choice = CONSTRAIN_CHOICES.find((c) => c.value === form.constrain) ?? CONSTRAIN_CHOICES[0];
  const constrain = choice.value;
  const num = (s: string) => (s.trim() === '' ? undefined : Number(s));

  async function submit(e: FormEvent) {
    e.preventDefault();
    const request: GenerateRequest = {
      checkpointId,
      n: num(form.n) ?? 1,
      temperature: num(form.temperature) ?? 1,
      maxLength: num(form.maxLength) ?? 600,
      topK: num(form.topK) ?? null,
      topP: num(form.topP) ?? null,
      prime: form.prime || null,
      meter: form.meter || null,
      ...(num(form.seed) !== undefined ? { seed: num(form.seed) } : {}),
      constrain,
      allowCopies,
    };
    setBusy(true);
    setError(null);
    try {
      const res = await api.generate(request);
      setSamples((old) => [...res.samples, ...old]);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const field = (k: keyof typeof form, label: string, props: Record<string, unknown> = {}) => (
    <label>
      {label} <input aria-label={label} value={form[k]} onChange={set(k)} {...props} />
    </label>
  );
  return (
    <div className="generate" data-testid="generate-panel">
      <form onSubmit={(e) => void submit(e)}>
        {field('temperature', 'temperature', { type: 'number', step: '0.05', min: '0.05', max: '5', size: 4 })}
        {field('topK', 'top-k', { type: 'number', min: '1', size: 4, placeholder: 'off' })}
        {field('topP', 'top-p', { type: 'number', step: '0.05', min: '0.05', max: '1', size: 4, placeholder: 'off' })}
        {field('seed', 'seed', { type: 'number', min: '0', size: 8, placeholder: 'random' })}
        {field('n', 'count', { type: 'number', min: '1', max: '10', size: 3 })}
        {field('maxLength', 'max length', { type: 'number', min: '16', max: '3000', size: 5 })}
        <label title="the kind of tune: the sampler writes this M: field (the ABC checker holds it; with constrain off only the M: lines are held)">
          meter{' '}
          <select aria-label="meter" value={form.meter} onChange={set('meter')}>
            {!meters.some((m) => m.meter === form.meter) && form.meter !== '' && <option value={form.meter}>{form.meter}</option>}
            {meters.map((m) => (
              <option key={m.meter} value={m.meter}>
                {m.meter}
                {m.label ? ` ${m.label}` : ''}
                {m.tunes !== null ? ` (${m.tunes} tunes)` : ''}
              </option>
            ))}
            <option value="">any (the model chooses)</option>
          </select>
        </label>
        {field('prime', 'prime', { placeholder: 'X:1\\nT:…', size: 16 })}
        <label title={choice.title}>
          constrain{' '}
          <select aria-label="constrain" value={constrain} onChange={set('constrain')}>
            {CONSTRAIN_CHOICES.map((c) => (
              <option key={c.value} value={c.value} title={c.title}>
                {c.value}
              </option>
            ))}
          </select>
        </label>
        <label title="keep tunes that copy a training tune (by default a copy is drawn again, up to 5 times)">
          <input type="checkbox" aria-label="allow copies" checked={allowCopies} onChange={(e) => setAllowCopies(e.target.checked)} /> allow copies
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'generating…' : '♪ generate'}
        </button>
      </form>
      <ErrorNote error={error} />
      {samples.map((s) => (
        <TuneCard key={s.id} sample={s} />
      ))}
    </div>
  );
}
