import type { PlayerRating } from '../listen-types';

/** `0.42 ± 0.31 (5 votes)`: a Bradley–Terry rating in log-odds with its standard error, and how many votes it rests on. */
export function RatingText({ rating }: { rating: PlayerRating | undefined }) {
  if (!rating) return <span className="muted">—</span>;
  return (
    <span className="rating" data-testid="rating" title="Bradley–Terry rating from blind listening (log-odds of being preferred; ± one standard error)">
      {rating.rating >= 0 ? '+' : '−'}
      {Math.abs(rating.rating).toFixed(2)} ± {rating.stderr.toFixed(2)}{' '}
      <span className="muted">
        ({rating.votes} {rating.votes === 1 ? 'vote' : 'votes'})
      </span>
    </span>
  );
}

/** Ratings per trial: its best checkpoint's when rated, else its best-rated checkpoint's (ratings come best first). */
export function ratingsByTrial(ratings: readonly PlayerRating[], bestCheckpointOf: (trialId: string) => string | null): Map<string, PlayerRating> {
  const out = new Map<string, PlayerRating>();
  for (const r of ratings) {
    if (!r.trialId) continue;
    const have = out.get(r.trialId);
    if (!have || (r.checkpointId === bestCheckpointOf(r.trialId) && have.checkpointId !== r.checkpointId)) out.set(r.trialId, r);
  }
  return out;
}
