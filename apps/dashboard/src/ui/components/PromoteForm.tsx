import { useState, type FormEvent } from 'react';
import { useDashboard } from '../context';
import { ErrorNote } from './marks';

/** Promote a checkpoint to `champion` (or another alias) with a note. */
export function PromoteForm({ checkpointId, onDone }: { checkpointId: string; onDone?(): void }) {
  const { api, refreshAliases } = useDashboard();
  const [alias, setAlias] = useState('champion');
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.promote({ checkpointId, alias, note: note || null });
      setResult(`${res.alias.alias} v${res.alias.version} → ${res.alias.checkpointId} (test loss: ${res.testLoss ?? res.testLossNote})`);
      await refreshAliases();
      onDone?.();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="promote" onSubmit={(e) => void submit(e)} data-testid="promote-form">
      <label>
        alias <input aria-label="alias" value={alias} onChange={(e) => setAlias(e.target.value)} size={10} />
      </label>
      <label>
        note <input aria-label="note" value={note} onChange={(e) => setNote(e.target.value)} size={30} />
      </label>
      <button type="submit" disabled={busy || alias.trim() === ''}>
        ★ promote
      </button>
      {result && <span className="ok">{result}</span>}
      <ErrorNote error={error} />
    </form>
  );
}
