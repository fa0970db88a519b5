/**
 * @tunelab/dataset/testing: helpers for tests only (the package's code never imports them): where the real
 * Nottingham files are, and a tiny made-up corpus.
 */
export { NOTTINGHAM_DIR, NO_DATA } from './data';
export { tinyTunes, writeTinyCorpus, type TinyTunesOptions } from './tiny-corpus';
