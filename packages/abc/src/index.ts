/**
 * @tunelab/abc — ABC text → `Tune` (headers, body tokens, bars with exact durations) and validation
 * (structure, bar length against M:/L:, unknown symbols) with line:column. Parsing never throws.
 */
export type * from './types';
export type { ParsedFile, ParseOptions } from './parse';
export { splitFile, splitTunes, joinFile, splitLines } from './split';
export { parseTune, parseFile, parseTunes } from './parse';
export { formatTune, formatFile, numberTune } from './format';
export { abcTokens } from './vocab';
export { lexTune } from './lexer';
export type { LexResult } from './lexer';
export { frac, add, sub, mul, div, compare, equals, formatFraction, parseFraction, ZERO, ONE } from './fraction';
export { parseMeter, parseUnitLength, defaultUnitLength, isKnownField } from './fields';
export { checkText, checkFile, summarizeChecks, hasErrors } from './check';
export { headerProblems } from './header';
export type { FileCheck, CheckSummary, CheckOptions, TuneProblems } from './check';
export { TuneChecker, CONSTRAIN_MODES, REFUSED_WARNINGS } from './checker';
export type { ConstrainMode } from './checker';
export { SymbolConstraint, completeTune, FINISH_SOON } from './constraint';
export { ChordSymbolReader } from './chord-symbols';
export { NOTTINGHAM_METERS, meterChoice, meterLabel, meterLines } from './meter-choice';
export { transposeTune, transposeFile, readKey, soundingPitches } from './transpose';
export type { KeyInfo, KeyMode, TransposeOptions } from './transpose';
export { MetricTracker, describeMetricState, isMetricLayout, metricStateCount, METRIC_FEATURES, METRIC_LAYOUT_V1, type MetricStateParts } from './metric';
