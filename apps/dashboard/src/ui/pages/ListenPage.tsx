import { useCallback, useEffect, useState } from 'react';
import { hrefOf } from '../App';
import { AbcNotation } from '../components/AbcNotation';
import { ErrorNote } from '../components/marks';
import { RatingText } from '../components/Rating';
import { useDashboard } from '../context';
import type { ListenPair, RatingsResponse, RevealedTune, Verdict, VoteResponse } from '../listen-types';

const VOTER_KEY = 'tunelab.voter';

/** Who wrote a tune, once told: a checkpoint (linked to its trial) or the held-out human tunes. */
function Player({ tune }: { tune: RevealedTune }) {
  if (tune.human) return <strong data-testid="player">human tunes (held out)</strong>;
  return (
    <strong data-testid="player">
      {tune.trialId ? <a href={hrefOf({ page: 'trial', id: tune.trialId })}>{tune.checkpointId}</a> : tune.checkpointId}
    </strong>
  );
}

const readVoter = (): string => {
  try {
    return window.localStorage.getItem(VOTER_KEY) ?? '';
  } catch {
    return '';
  }
};

/**
 * Blind listening: two tunes of a sweep in one meter, in random order, names and sheet music hidden; the
 * listener says which is better to hear, then sees both and who wrote them. Ratings below, after each vote.
 */
export function ListenPage({ sweepId, meter }: { sweepId: string; meter?: string }) {
  const { api } = useDashboard();
  const [pair, setPair] = useState<ListenPair | null>(null);
  const [result, setResult] = useState<VoteResponse | null>(null);
  const [ratings, setRatings] = useState<RatingsResponse | null>(null);
  const [voter, setVoter] = useState(readVoter);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const loadRatings = useCallback(() => api.getRatings(sweepId).then(setRatings, setError), [api, sweepId]);
  const next = useCallback(async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    setPair(null);
    try {
      setPair(await api.getListenPair({ sweep: sweepId, meter }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, [api, sweepId, meter]);

  useEffect(() => {
    void next();
    void loadRatings();
  }, [next, loadRatings]);

  async function vote(verdict: Verdict) {
    if (!pair || result) return;
    setBusy(true);
    setError(null);
    const name = voter.trim();
    try {
      window.localStorage.setItem(VOTER_KEY, name);
    } catch {
      // private mode: the name is simply not remembered
    }
    try {
      setResult(await api.vote({ left: pair.left.id, right: pair.right.id, verdict, ...(name ? { voter: name } : {}) }));
      await loadRatings();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const verdictText = result && { left: 'you preferred the left tune', right: 'you preferred the right tune', same: 'you heard no difference' }[result.vote.verdict];
  return (
    <section data-testid="listen">
      <p className="crumbs">
        <a href={hrefOf({ page: 'sweeps' })}>sweeps</a> / <a href={hrefOf({ page: 'sweep', id: sweepId })}>{sweepId}</a> / listen
      </p>
      <h1>Which is better to hear?</h1>
      <p className="muted">
        Two tunes in the same meter from two checkpoints of this sweep (or from held-out human tunes), in random order. Who wrote them, and their sheet
        music, show after your vote.
      </p>
      <ErrorNote error={error} />
      {!pair && busy && <p className="muted">choosing a pair…</p>}
      {pair && (
        <>
          <p className="muted" data-testid="listen-meter">
            meter {pair.meter}
          </p>
          <div className="listen-pair">
            {(['left', 'right'] as const).map((side) => (
              <div key={`${side}-${pair[side].id}`} className="listen-side" data-testid={`listen-${side}`}>
                <h3>{side}</h3>
                {result ? (
                  <>
                    <p>
                      <Player tune={result[side]} />
                      {result.vote.verdict === side && <span className="ok"> ✓ preferred</span>}
                    </p>
                    <AbcNotation abc={result[side].abc} />
                  </>
                ) : (
                  <AbcNotation abc={pair[side].abc} notation={false} />
                )}
              </div>
            ))}
          </div>
          {result ? (
            <p data-testid="listen-result">
              {verdictText}.{' '}
              <button type="button" onClick={() => void next()} disabled={busy}>
                next pair →
              </button>
            </p>
          ) : (
            <p className="controls" data-testid="listen-vote">
              <button type="button" onClick={() => void vote('left')} disabled={busy}>
                ◀ left is better
              </button>{' '}
              <button type="button" onClick={() => void vote('same')} disabled={busy}>
                same
              </button>{' '}
              <button type="button" onClick={() => void vote('right')} disabled={busy}>
                right is better ▶
              </button>{' '}
              <label>
                your name (optional){' '}
                <input aria-label="your name" value={voter} maxLength={80} onChange={(e) => setVoter(e.target.value)} size={14} />
              </label>
            </p>
          )}
        </>
      )}
      <h2>Ratings</h2>
      {ratings && ratings.ratings.length > 0 ? (
        <div data-testid="listen-ratings">
          <p className="muted">
            Bradley–Terry over {ratings.votes} {ratings.votes === 1 ? 'vote' : 'votes'}: log-odds of being preferred
            {ratings.human ? ', relative to the held-out human tunes (0)' : ''}; ± one standard error.
          </p>
          <table className="grid">
            <thead>
              <tr>
                <th>checkpoint</th>
                <th>rating</th>
              </tr>
            </thead>
            <tbody>
              {[...ratings.ratings, ...(ratings.human ? [ratings.human] : [])].map((r) => (
                <tr key={r.player} data-player={r.player}>
                  <td>{r.trialId ? <a href={hrefOf({ page: 'trial', id: r.trialId })}>{r.checkpointId ?? r.player}</a> : r.checkpointId ?? 'human tunes (held out)'}</td>
                  <td>
                    <RatingText rating={r} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted" data-testid="listen-no-ratings">
          no votes yet
        </p>
      )}
    </section>
  );
}
