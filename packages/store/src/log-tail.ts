/** Lines a trial's log tail keeps: enough to see why it failed, small enough to poll. */
export const LOG_TAIL_MAX_LINES = 200;
/** A byte-ish bound too, so a few enormous lines (a dumped tensor) cannot bloat the row. */
export const LOG_TAIL_MAX_CHARS = 32_768;

/**
 * Appends text to a log tail and keeps its last `maxLines` lines and at most `maxChars` characters.
 * A line cut by the character bound loses its start, never its end (the end says what happened).
 */
export function appendLogTail(
  tail: string,
  text: string,
  maxLines = LOG_TAIL_MAX_LINES,
  maxChars = LOG_TAIL_MAX_CHARS,
): string {
  if (text === '') return tail;
  const joined = tail === '' || tail.endsWith('\n') ? tail + text : `${tail}\n${text}`;
  // A trailing newline ends the last line; it does not start an empty one that would take a slot.
  const body = joined.endsWith('\n') ? joined.slice(0, -1) : joined;
  const lines = body.split('\n');
  let kept = lines.length > maxLines ? lines.slice(lines.length - maxLines).join('\n') : body;
  if (joined.endsWith('\n')) kept += '\n';
  return kept.length > maxChars ? kept.slice(kept.length - maxChars) : kept;
}
