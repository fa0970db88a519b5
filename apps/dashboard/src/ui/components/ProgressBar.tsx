import type { TrialProgress } from '../../api/schemas';

/**
 * How far a running trial is: "epoch k of N" with a bar. The store knows epochs (each reports its metrics);
 * batches within an epoch stay in the sweeper, so the bar moves an epoch at a time.
 */
export function ProgressBar({ progress }: { progress: TrialProgress | undefined }) {
  if (!progress || progress.epoch === null) {
    return (
      <span className="progress muted" data-testid="trial-progress">
        first epoch…
      </span>
    );
  }
  const { epoch, epochs } = progress;
  return (
    <span className="progress" data-testid="trial-progress" data-epoch={epoch}>
      {epochs ? <progress max={epochs} value={Math.min(epoch, epochs)} aria-label={`epoch ${epoch} of ${epochs}`} /> : null}{' '}
      epoch {epoch}
      {epochs ? ` of ${epochs}` : ''}
    </span>
  );
}
