import type { Store } from '@tunelab/store';
import type { GenerationQueue } from './queue';
import type { MidiRenderer } from './midi';
import type { TestLossEvaluator, TuneGenerator, TuneScorer } from './generation';
import type { HumanTuneProvider } from './human-tunes';

/** What every route reads: the stores, the generator and its queue. */
export interface DashboardContext {
  /** The read-only connection every GET uses; it never blocks a running sweep. */
  reader: Store;
  /** A writable connection for short transactions (samples, promotions), opened on first use. */
  writer: () => Promise<Store>;
  generator: TuneGenerator;
  scorer: TuneScorer;
  testLoss: TestLossEvaluator;
  queue: GenerationQueue;
  /** `.mid` rendering through abc2midi, a few processes at once. */
  midi: MidiRenderer;
  /** Where database-stored checkpoints are written to be loaded (default under the tunelab home). */
  checkpointCache?: string;
  /** The held-out human tunes that play in blind listening; absent: none take part. */
  humanTunes?: HumanTuneProvider;
}
