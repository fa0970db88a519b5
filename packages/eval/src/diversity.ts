import { tuneBody } from './body';

/** How varied a set of tunes is within itself (a model that found one good tune and repeats it scores low). */
export interface Diversity {
  /** Distinct character n-grams of the bodies / all n-grams of the bodies, for each n (1 = no n-gram repeats). */
  distinctNgrams: Record<string, number>;
  /** Tunes whose body (whitespace ignored) equals an earlier tune's body in the set. */
  duplicateTunes: number;
}

/** The n-gram sizes reported: 4 characters is about a beat of a jig, 16 about a bar with its chord. */
export const DIVERSITY_NGRAMS = [4, 8, 16] as const;

/**
 * Diversity within a set of tunes: distinct n-gram ratios over their bodies and the number of duplicates.
 * An empty set (or bodies shorter than n) has ratio 0.
 */
export function diversity(texts: readonly string[], ngrams: readonly number[] = DIVERSITY_NGRAMS): Diversity {
  const bodies = texts.map(tuneBody);
  const distinctNgrams: Record<string, number> = {};
  for (const n of ngrams) {
    const seen = new Set<string>();
    let total = 0;
    for (const b of bodies) {
      for (let i = 0; i + n <= b.length; i++) {
        seen.add(b.slice(i, i + n));
        total++;
      }
    }
    distinctNgrams[String(n)] = total === 0 ? 0 : seen.size / total;
  }
  const seenBodies = new Set<string>();
  let duplicateTunes = 0;
  for (const b of bodies) {
    const key = b.replace(/\s+/g, '');
    if (seenBodies.has(key)) duplicateTunes++;
    else seenBodies.add(key);
  }
  return { distinctNgrams, duplicateTunes };
}
