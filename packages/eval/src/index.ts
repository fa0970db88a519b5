/**
 * @tunelab/eval — music metrics for a set of tunes against a reference corpus: validity (tunelab's checker
 * and `abc2midi -c`), bar lengths, header sanity, novelty (longest verbatim span shared with one reference
 * tune, copies), diversity and distributions.
 */
export { buildReference, referenceOfMeter } from './reference';
export type { ReferenceCorpus, ReferenceTune, ReferenceTuneInput } from './reference';
export { evaluateTunes, evalMetrics } from './evaluate';
export type { EvalOptions, EvalReport, TuneEval } from './evaluate';
export { evaluateCheckpoint, checkpointReference } from './checkpoint';
export { createSampleEvaluator } from './sample-evaluator';
export { drawNovelTunes, CopiesError, MAX_COPY_TRIES } from './draw';
export type { DrawOptions, DrawResult, DrawnTune } from './draw';
export type { CheckpointEvalOptions, CheckpointEvalReport } from './checkpoint';
export { tuneNovelty, COPY_SHARE } from './novelty';
export type { TuneNovelty } from './novelty';
export { tuneValidity, headerProblems } from './validity';
export type { TuneValidity } from './validity';
export { abc2midiReasons, checkWithAbc2midi, findAbc2midi, parseAbc2midiOutput } from './abc2midi';
export type { Abc2midiOptions, Abc2midiVerdict } from './abc2midi';
export { diversity, DIVERSITY_NGRAMS } from './diversity';
export type { Diversity } from './diversity';
export { musicProfile, compareProfiles, midiPitch, distanceIntervals } from './distributions';
export type { MusicProfile, DistributionComparison, Interval } from './distributions';
export { tuneBody, bodyBars } from './body';
export { SuffixAutomaton } from './suffix-automaton';
export type { LongestMatch } from './suffix-automaton';
export { fitBradleyTerry, votesToComparisons, winProbability, choosePair, pairCounter, rateVotes } from './bradley-terry';
export type { BradleyTerryFit, BradleyTerryOptions, ChosenPair, Comparison, PairCandidate, PlayerRating } from './bradley-terry';
