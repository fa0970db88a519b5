/**
 * Chord symbols ("guitar chords") and annotations in double quotes (ABC 2.1 §4.18 and §4.19).
 * `"Am7/G"` is a chord symbol: <note><accidental><type></bass>. Text that starts with ^ _ < > @ is an
 * annotation placed around the note. Anything else in quotes is neither; tunelab reports it, as abc2midi does.
 * Like abc2midi, tunelab also accepts a lower-case note (`"f#"`): the original Nottingham files write bass
 * notes that way.
 */

/** Chord types: any run of these parts (`m7b5`, `maj7`, `7sus4`, `add9`, `dim7` …). */
const TYPE = String.raw`(?:m(?!aj)|min|maj|M|dim|aug|\+|sus|add|o|°|-|[#b]?\d+)*`;
const CHORD = new RegExp(String.raw`^\(?[A-Ga-g][#b]?${TYPE}(?:/[A-Ga-g][#b]?[,']*\+?)?\)?$`);
const ANNOTATION = /^[\^_<>@]/;

/**
 * Checks the text between the quotes. Returns null when it is a chord symbol (or several, space-separated)
 * or an annotation, else a reason.
 */
export function chordSymbolProblem(inner: string): string | null {
  if (ANNOTATION.test(inner)) return null;
  if (inner === '') return null; // `""` says nothing; reported apart, as a warning
  if (/^\s/.test(inner)) return `"${inner}" starts with a space (the note must come first)`;
  const parts = inner.trim().split(/\s+/).filter(Boolean);
  for (const p of parts) {
    if (CHORD.test(p)) continue;
    if (!/^\(?[A-Ga-g]/.test(p)) return `"${inner}" does not start with a note A-G or a-g (an annotation would start with ^ _ < > or @)`;
    return `"${inner}" is not a chord symbol ABC 2.1 knows (note, accidental, type such as m, 7, maj7, dim, sus4, then /bass)`;
  }
  return null;
}
