import { statusColor } from '../format';

/** The champion (or any alias) mark, shown wherever its checkpoint, trial or sweep appears. */
export function AliasMarks({ aliases }: { aliases: readonly string[] }) {
  if (aliases.length === 0) return null;
  return (
    <>
      {aliases.map((a) => (
        <span key={a} className={`alias-mark${a === 'champion' ? ' champion' : ''}`} title={`alias: ${a}`} data-testid="alias-mark">
          {a === 'champion' ? '★ champion' : `◆ ${a}`}
        </span>
      ))}
    </>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className="status" style={{ background: statusColor(status) }} data-status={status}>
      {status}
    </span>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </p>
  );
}
