import { splitFile } from './split';
import { lexTune } from './lexer';
import { DurationPass } from './durations';
import { allowedInBody, defaultUnitLength, fieldValue, isKnownField, isValidKey, parseMeter, parseUnitLength } from './fields';
import { checkBars, type BarStart } from './bars';
import { defaultGchord, gchordEndProblem, isGchordPattern } from './gchord';
import { ZERO } from './fraction';
import type { Fraction, HeaderField, Meter, SourceTune, Token, Tune } from './types';

/**
 * parseTune: the one way from ABC text to a `Tune`. It never throws: whatever the input, problems come back
 * as findings. Steps: lex (tokens partition the text), read the header, walk the body assigning durations,
 * then cut bars and check their lengths (bars.ts).
 */

/** A parsed file: its tunes and the text between them (see `SourceFile`). */
export interface ParsedFile {
  file: string;
  tunes: Tune[];
  gaps: string[];
}

const FREE_METER: Meter = { text: '', barLength: null };

export interface ParseOptions {
  /**
   * The file header (the text before the first tune). Its M: and L: fields are the defaults of every tune
   * of the file (ABC 2.1 §2.2.2); `parseFile` passes it.
   */
  fileHeader?: string;
}

/** The meter and unit length a tune starts from: its file header's M: and L:, else none and the default. */
function startState(fileHeader: string | undefined): BarStart {
  const start: BarStart = { meter: FREE_METER, unitLength: defaultUnitLength(null), unitLengthSet: false };
  for (const line of fileHeader ? fileHeader.split('\n') : []) {
    if (line.startsWith('M:')) {
      const m = parseMeter(fieldValue(line.slice(2)));
      if (m) start.meter = m;
      if (m && !start.unitLengthSet) start.unitLength = defaultUnitLength(m);
    } else if (line.startsWith('L:')) {
      const l = parseUnitLength(fieldValue(line.slice(2)));
      if (l) {
        start.unitLength = l;
        start.unitLengthSet = true;
      }
    }
  }
  return start;
}

function toSource(source: SourceTune | string): SourceTune {
  if (typeof source === 'string') return { file: '<text>', line: 1, index: 0, text: source };
  return source;
}

/** Parses one tune (its text from the `X:` line on). Never throws; problems are in `tune.findings`. */
export function parseTune(input: SourceTune | string, options: ParseOptions = {}): Tune {
  const source = toSource(input);
  try {
    return parse(source, startState(options.fileHeader));
  } catch (err) {
    // A bug, not bad input: still keep the promise that parsing never throws, and say so in a finding.
    return {
      source,
      headers: [],
      number: null,
      title: null,
      key: null,
      meter: FREE_METER,
      unitLength: defaultUnitLength(null),
      tokens: [{ kind: 'unknown', text: source.text, line: source.line, col: 1, offset: 0 }],
      bars: [],
      findings: [
        { severity: 'error', code: 'internal', message: `tunelab could not parse this tune: ${(err as Error)?.message ?? err}`, line: source.line, col: 1 },
      ],
    };
  }
}

function parse(source: SourceTune, start: BarStart): Tune {
  const { tokens, findings } = lexTune(source.text, source.line);
  const headers: HeaderField[] = [];
  const state = { meter: start.meter, unitLength: start.unitLength };
  let unitLengthSet = start.unitLengthSet;
  let meterSeen = start.meter !== FREE_METER;
  let key: string | null = null;
  let inHeader = true;
  let bodyStart: Token | null = null;
  let headerMeter: Meter = FREE_METER;
  let headerUnit = state.unitLength;
  const durations = new DurationPass(state, findings);
  const find = (code: string, message: string, line: number, col: number, severity: 'error' | 'warning' = 'error') =>
    findings.push({ severity, code, message, line, col });

  const applyField = (f: HeaderField) => {
    const v = f.value;
    if (f.field === 'M') {
      const m = parseMeter(v);
      if (!m) {
        find('bad-meter', `M:${v} is not a meter (expected e.g. 6/8, C, C| or none)`, f.line, f.col);
      } else {
        state.meter = m;
        meterSeen = true;
        // Without an L: the unit length follows the header's meter (ABC 2.1 §3.1.7); a later M: leaves it
        // alone, as abc2midi does.
        if (!unitLengthSet && inHeader) state.unitLength = defaultUnitLength(m);
      }
    } else if (f.field === 'L') {
      const l = parseUnitLength(v);
      if (!l) find('bad-unit-length', `L:${v} is not a note length (expected e.g. 1/8)`, f.line, f.col);
      else {
        state.unitLength = l;
        unitLengthSet = true;
      }
    } else if (f.field === 'P' && f.place === 'header' && inHeader) {
      // abc2midi stops at a header P: unless the body labels every part it lists ("Part not defined", "P: field
      // in header should go after K: field"); the sampler does not write one.
      find('header-parts', `P:${v} in the header: abc2midi plays it only when P: labels in the body define every part it lists`, f.line, f.col, 'warning');
      if (!/^[A-Z0-9().\s]*$/.test(v)) find('bad-parts', `P:${v} is not an order of parts (letters A-Z, repeat counts, parentheses, dots)`, f.line, f.col, 'warning');
    } else if (f.field === 'P' && f.place === 'header' && !/^[A-Z0-9().\s]*$/.test(v)) {
      // In the header P: gives the order of parts (ABC 2.1 §3.1.9); free text there cannot be played.
      find('bad-parts', `P:${v} is not an order of parts (letters A-Z, repeat counts, parentheses, dots)`, f.line, f.col, 'warning');
    } else if (f.field === 'I') {
      // abc2midi knows few I: instructions and stops at the others ("I: key … not recognized", an error).
      if (!/^(?:MIDI\b.*)?$/.test(v)) find('instruction-field', `I:${v} is not an instruction abc2midi knows (it reads I:MIDI …)`, f.line, f.col, 'warning');
    } else if (f.field === 'Q') {
      // abc2midi stops at a tempo it cannot read ("malformed Q: field ignored", an error).
      if (!TEMPO.test(v)) find('bad-tempo', `Q:${v} is not a tempo abc2midi reads (expected e.g. 1/4=120 or 120)`, f.line, f.col, 'warning');
    } else if (f.field === 'K') {
      if (!isValidKey(v)) find('bad-key', `K:${v} is not a key ABC 2.1 knows (expected e.g. G, Dm, Ador, none)`, f.line, f.col, 'warning');
    }
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.kind === 'field' || t.kind === 'inline-field') {
      const inline = t.kind === 'inline-field';
      const body = inline ? t.text.replace(/^\[/, '').replace(/\]$/, '') : t.text;
      const f: HeaderField = {
        field: body[0],
        value: fieldValue(body.slice(2)),
        line: t.line,
        col: t.col,
        raw: t.text,
        place: inline ? 'inline' : inHeader ? 'header' : 'body',
      };
      headers.push(f);
      if (!isKnownField(f.field)) {
        find('unknown-field', `${f.field}: is not an ABC 2.1 field; kept as it is`, f.line, f.col, 'warning');
      } else if (f.place !== 'header' && !allowedInBody(f.field)) {
        find('field-after-key', `${f.field}: belongs in the header, before K: (K: must be the last header field)`, f.line, f.col, 'warning');
      }
      applyField(f);
      if (f.place === 'header' && f.field === 'K') {
        key = f.value;
        inHeader = false;
        headerMeter = state.meter;
        headerUnit = state.unitLength;
      }
      continue;
    }
    if (inHeader && t.kind !== 'comment' && t.kind !== 'newline' && t.kind !== 'space') {
      // Music before K: ends the header: the tune has no key line where ABC requires one.
      inHeader = false;
      bodyStart = t;
      headerMeter = state.meter;
      headerUnit = state.unitLength;
    }
    if (!inHeader) durations.step(t);
  }
  durations.finish();
  if (inHeader) {
    headerMeter = state.meter;
    headerUnit = state.unitLength;
  }

  const first = headers[0];
  if (!first || first.field !== 'X' || first.place !== 'header' || first.line !== source.line) {
    find('missing-x', 'the tune does not start with an X: line', source.line, 1);
  } else if (!/^\s*\d+\s*$/.test(first.value)) {
    find('bad-x', `X:${first.value} is not a reference number`, first.line, first.col, 'warning');
  }
  if (key === null) {
    // Point at the music that came too early, else at the end of the header.
    const where = bodyStart ?? headers[headers.length - 1];
    find('missing-key', bodyStart ? 'music starts before the K: field (the header must end with K:)' : 'the tune has no K: field', where?.line ?? source.line, where?.col ?? 1);
  }
  if (key !== null && !tokens.some((t) => t.duration !== undefined)) {
    const k = headers.find((h) => h.field === 'K')!;
    find('no-music', 'the tune has no notes or rests after its header', k.line, k.col, 'warning');
  }
  if (!headers.some((h) => h.field === 'T')) {
    find('missing-title', 'the tune has no T: title', source.line, 1, 'warning');
  }
  if (!meterSeen && key !== null) {
    const k = headers.find((h) => h.field === 'K')!;
    find('missing-meter', 'no M: field: bar lengths are not checked', k.line, k.col, 'warning');
  }

  const title = headers.find((h) => h.field === 'T')?.value ?? null;
  const tune: Tune = {
    source,
    headers,
    number: first?.field === 'X' ? first.value : null,
    title,
    key,
    meter: headerMeter,
    unitLength: headerUnit,
    tokens,
    bars: [],
    findings,
  };
  const end = { carried: ZERO };
  tune.bars = checkBars(tune, start, end);
  checkMidi(tune, end.carried);
  findings.sort((a, b) => a.line - b.line || a.col - b.col);
  return tune;
}

/** `text` without its trailing spaces, tabs and carriage returns (a `/[ \t\r]+$/` is quadratic on a long run of spaces). */
function trimSpacesEnd(text: string): string {
  let end = text.length;
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t' || text[end - 1] === '\r')) end--;
  return text.slice(0, end);
}

/** A Q: value abc2midi reads: a tempo (`120`, `1/4=120`, `3/8 1/8=60`, `C=120`), with text in quotes around it, or text alone. */
// Fractions are separated by spaces, each read one way: `(?:\d+\/\d+\s*)+\s*` would split `1/111/111/…` and runs
// of spaces in exponentially many ways; every pattern in the parser must run in linear time on hostile input.
const TEMPO = /^(?:"[^"]*"\s*)?(?:(?:\d+\/\d+(?:\s+\d+\/\d+)*|C\d*)\s*=\s*)?\d+\s*(?:"[^"]*")?$|^"[^"]*"$/;

/**
 * `%%MIDI` directives (abc2midi acts on them, and stops at one it cannot read) and the end of the tune under
 * abc2midi's accompaniment: `midi-directive` for `%%MIDI` not followed by a space and a command, or a gchord
 * pattern abc2midi rejects ("Bad gchord"); `gchord-end` when the tune has chord symbols and its last bar stops
 * inside a note of the accompaniment pattern, in playing order (gchord.ts: "Sustained notes beyond end of track").
 */
function checkMidi(tune: Tune, carried: Fraction): void {
  let pattern: string | null = null;
  let chordSymbols = false;
  let meter = tune.meter.text;
  let last: Token | null = null;
  const voices = tune.headers.some((h) => h.field === 'V');
  for (const t of tune.tokens) {
    if (t.kind === 'comment' && t.text.startsWith('%%MIDI')) {
      const m = /^%%MIDI(?:[ \t]+(\S+)(.*))?$/.exec(trimSpacesEnd(t.text));
      if (!m || !m[1]) {
        tune.findings.push({ severity: 'warning', code: 'midi-directive', message: `${t.text}: %%MIDI is followed by a space and its command (abc2midi stops otherwise)`, line: t.line, col: t.col });
      } else if (m[1] === 'gchord') {
        if (isGchordPattern(m[2])) pattern = m[2].trim();
        else tune.findings.push({ severity: 'warning', code: 'midi-directive', message: `%%MIDI gchord${m[2]}: not a pattern abc2midi reads (letters f b c z g-j G-J, each with an optional count)`, line: t.line, col: t.col });
      }
    } else if (t.kind === 'guitar-chord' && /^"[^"^_<>@]/.test(t.text)) chordSymbols = true;
    else if (t.kind === 'field' || t.kind === 'inline-field') {
      const body = t.kind === 'inline-field' ? t.text.slice(1, -1) : t.text;
      if (body.startsWith('M:') && parseMeter(fieldValue(body.slice(2)))) meter = fieldValue(body.slice(2));
    }
    if (t.kind !== 'space' && t.kind !== 'newline' && t.kind !== 'comment') last = t;
  }
  const barLength = parseMeter(meter)?.barLength;
  if (!chordSymbols || voices || !barLength || !last) return;
  const p = pattern ?? defaultGchord(meter);
  const problem = p ? gchordEndProblem(carried, barLength, p) : null;
  if (problem) tune.findings.push({ severity: 'warning', code: 'gchord-end', message: problem, line: last.line, col: last.col });
}

/** Parses every tune of a file, keeping the text between tunes so `formatFile` can rebuild it. */
export function parseFile(text: string, file = '<text>'): ParsedFile {
  const parts = splitFile(text, file);
  const options: ParseOptions = { fileHeader: parts.gaps[0] };
  return { file, tunes: parts.tunes.map((t) => parseTune(t, options)), gaps: parts.gaps };
}

/** The tunes of a multi-tune text, parsed. */
export function parseTunes(text: string, file = '<text>'): Tune[] {
  return parseFile(text, file).tunes;
}
