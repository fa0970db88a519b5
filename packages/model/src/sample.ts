import { CONSTRAIN_MODES, FINISH_SOON, meterChoice, meterLines, SymbolConstraint, type ConstrainMode } from '@tunelab/abc';
import { InputError } from '@tunelab/config';
import { createRng, MetricInputEncoder, TUNE_SEPARATOR, Vocabulary } from '@tunelab/dataset';
import type { Rng } from '@tunelab/dataset';
import { tf, tfl } from './tf';
import { buildModel, disposeModel, resetStates } from './build';
import type { Checkpoint } from './checkpoint';
import type { ModelSpec } from './spec';
import { loadCheckpoint, loadWeightsInto } from './checkpoint';
import { FastLstmStepper, type StepperState } from './sampler-step';
import { MetricEmbedding } from './metric-embedding';

/** How far past `maxLength` a constrained tune may run while the checker closes it (symbols). */
export const MAX_OVERRUN = 256;

/**
 * A constrained bar is drawn again (from the model's state where it began) when the checker had to take more
 * than this share of the probability at some step of it, at most REDRAWS_PER_BAR times. Where a bar runs out
 * of room the mask leaves what the model did not want (a sixteenth where it wanted an eighth); drawing the bar
 * again lets the model's own choice fit instead. Not once the budget steers toward the end.
 */
export const REDRAW_ABOVE = 0.5;
export const REDRAWS_PER_BAR = 3;

/** Where the current bar began: everything needed to draw it again. */
interface BarStart {
  state: StepperState;
  /** The metric tracker where the bar began (models with metric input). */
  encoder: MetricInputEncoder | null;
  constraint: SymbolConstraint;
  probs: Float32Array;
  text: string;
  masked: number;
  maskedMax: number;
  drawn: number;
  k: number;
  redraws: number;
}

export interface SampleOptions {
  /** Tunes to generate. Default 1. */
  n?: number;
  /** Softmax temperature (> 0); 1 = the model's distribution. Default 1. */
  temperature?: number;
  /** Keep only the k most probable symbols (0 = all). Default 0. */
  topK?: number;
  /** Keep the smallest set of symbols whose probability reaches p (1 = all). Default 1. */
  topP?: number;
  /**
   * Text every tune starts from. Default `X:` (the start of a tune header). Constrained, the checker must
   * accept it (else an InputError naming where it fails).
   */
  prime?: string;
  /**
   * The tune's meter (`6/8`, `4/4`, `3/4`, `C` …; spaces ignored): the kind of tune, as the corpus's files
   * are kinds (jigs 6/8, reels 4/4, waltzes 3/4). Every `M:` line the tune writes is held to it, so the model
   * writes its own header and this meter is written where the model opens an `M:` line: constrained
   * (`meter`, `syntax`) by the checker (see `TuneChecker.fixedMeter`), and with `constrain: off` by a mask
   * on the `M:` lines alone (see `meterLineMask`; the rest of the tune is the model's own). A prime that
   * writes another meter is an InputError in every mode. Default: none (the model chooses).
   */
  meter?: string;
  /**
   * Most symbols generated after the prime, per tune. Default 1000. A constrained tune is steered to end
   * within it and may run a little past it (at most MAX_OVERRUN) while the checker closes it.
   */
  maxLength?: number;
  /** Seed of the sampling RNG. Default 1. */
  seed?: number;
  /**
   * What the ABC checker may refuse (see `SymbolConstraint`): `meter` (well-formed tunes whose bars fit the
   * meter; the default), `syntax` (well-formed, bars not measured), `off` (the model's own distribution).
   */
  constrain?: ConstrainMode;
  /**
   * Constrained: draw a bar again where the checker had to take most of the model's choice (see REDRAW_ABOVE).
   * Default true; false is faster and leaves such bars as the mask bent them.
   */
  redrawBars?: boolean;
  /**
   * Read {@link START_CONTEXT} before the prime, so each tune begins where every training tune began: after
   * the blank lines that end the tune before it. Default true; false starts from a zero state.
   */
  startContext?: boolean;
}

/**
 * What precedes every tune in a training text: the newline that ends the previous tune's last line and the
 * blank lines between tunes (`TUNE_SEPARATOR`). Training reads the tunes as one stream, so a model sees a
 * zero state only where a stream happens to begin, almost never at a tune's start, and a tune sampled from
 * one is out of the model's experience from its first symbol (measured in docs/results.md). The sampler reads
 * this context, unseen in the output, first.
 */
export const START_CONTEXT = `\n${TUNE_SEPARATOR}`;

/** One sampled tune and what the checker had to take away from the model to write it. */
export interface SampledTune {
  /** The tune, from the prime on, ending with one newline. */
  text: string;
  /**
   * Share of the (temperature-scaled) probability mass the checker removed: the mean over the symbols
   * drawn, and the worst single step. Both 0 with `constrain: off`.
   */
  maskedMassMean: number;
  maskedMassMax: number;
  /** Whether the tune ended at a blank line (always, when constrained); false when `maxLength` cut it off. */
  complete: boolean;
  /** Bars drawn again because the checker took most of the model's choice in them (see REDRAW_ABOVE). */
  barsRedrawn: number;
}

/**
 * A batch-1 stateful copy of a trained model that steps one symbol at a time, keeping its recurrent state
 * (the prefix is never run again). Cheap to create; call dispose() when done.
 */
export class Sampler {
  private readonly fast: FastLstmStepper | undefined;
  /** With a model that reads metric states beside its symbols (spec.metricFeatures): tracks the text fed; else null. */
  private encoder: MetricInputEncoder | null;

  private constructor(
    readonly model: tfl.LayersModel,
    readonly vocab: Vocabulary,
    fast: boolean,
  ) {
    this.fast = fast ? FastLstmStepper.tryCreate(model) : undefined;
    const metric = model.layers.find((l): l is MetricEmbedding => l instanceof MetricEmbedding);
    this.encoder = metric ? new MetricInputEncoder(vocab, metric.features) : null;
  }

  /** Whether steps run the fused LSTM op directly (cpu + native kernels, LSTM cells) rather than tfjs-layers. */
  get usesFastPath(): boolean {
    return this.fast !== undefined;
  }

  /**
   * Builds the inference model (batch 1, any length, stateful) from a checkpoint and copies its weights.
   * `fast: false` steps through tfjs-layers even where the fused op could be used (for comparisons).
   */
  static fromCheckpoint(ckpt: Checkpoint, options: { fast?: boolean } = {}): Sampler {
    const spec = { ...ckpt.meta.spec, stateful: true };
    const model = buildModel(spec, ckpt.meta.vocabulary.symbols.length, { batchSize: 1, seqLen: null, seed: ckpt.meta.seed });
    try {
      loadWeightsInto(model, ckpt);
    } catch (err) {
      disposeModel(model);
      throw err;
    }
    return new Sampler(model, Vocabulary.fromData(ckpt.meta.vocabulary), options.fast ?? true);
  }

  /**
   * A sampler over a model being trained: the same spec built for batch 1 with the live weights copied in,
   * so samples can be scored mid-run without writing a checkpoint. The training model is not touched.
   */
  static fromModel(model: tfl.LayersModel, spec: ModelSpec, vocab: Vocabulary, seed: number, options: { fast?: boolean } = {}): Sampler {
    const infer = buildModel({ ...spec, stateful: true }, vocab.size, { batchSize: 1, seqLen: null, seed });
    try {
      const weights = model.getWeights();
      infer.setWeights(weights);
    } catch (err) {
      disposeModel(infer);
      throw err;
    }
    return new Sampler(infer, vocab, options.fast ?? true);
  }

  /**
   * Feeds symbol ids `[time]` through the model from its current state and resolves to the probabilities after
   * the last one, `[vocab]`. The state advances by `ids.length` steps (a model with metric input also reads each
   * symbol's metric state, tracked over what was fed since the last reset). Reads back asynchronously: WebGPU in
   * Node has no synchronous readback.
   */
  async step(symbols: Int32Array): Promise<Float32Array> {
    const encoder = this.encoder;
    const ids = encoder ? symbols.map((id) => encoder.push(id)) : symbols;
    if (this.fast) return this.fast.step(ids);
    const last = tf.tidy(() => {
      const x = tf.tensor2d(ids, [1, ids.length], 'int32');
      // apply, not predict: predict's batching and checks cost about a quarter of a one-symbol step.
      const probs = this.model.apply(x, { training: false }) as tf.Tensor3D;
      const v = probs.shape[2];
      return tf.reshape(tf.slice(probs, [0, ids.length - 1, 0], [1, 1, v]), [v]);
    });
    const values = (await last.data()) as Float32Array;
    last.dispose();
    return values;
  }

  /** Generates `n` tunes; see {@link sample}. */
  async generate(options: SampleOptions = {}): Promise<SampledTune[]> {
    const n = checkOptions(options).n;
    const tunes: SampledTune[] = [];
    for await (const tune of this.stream(options)) {
      tunes.push(tune);
      if (tunes.length === n) break;
    }
    return tunes;
  }

  /**
   * Tunes one after another from one seeded random stream, without end (`options.n` is ignored): a caller
   * that must draw a tune again (a copy of a training tune, say) takes the next one, and the whole sequence
   * stays reproducible from the seed. The state is reset before each tune and when the stream ends.
   */
  async *stream(options: SampleOptions = {}): AsyncGenerator<SampledTune, void, undefined> {
    const o = checkOptions(options);
    const rng = createRng(o.seed);
    if (o.meter !== null) {
      try {
        this.vocab.encode(`M:${o.meter}\n`, { oov: 'error' });
      } catch (err) {
        throw new InputError(`this model's vocabulary cannot write M:${o.meter}: ${(err as Error).message}`, 'meter');
      }
    }
    const primeIds = this.vocab.encode(o.prime);
    if (primeIds.length === 0) throw new InputError('expected a non-empty prime', 'prime');
    try {
      for (;;) {
        await this.startTune(o.startContext);
        let constraint =
          o.constrain === 'off' ? null : new SymbolConstraint(this.vocab.symbols, o.constrain, { wholeNotes: this.vocab.kind === 'token', meter: o.meter });
        if (constraint) {
          let read = '';
          for (const id of primeIds) {
            read += this.vocab.decode([id]);
            if (!constraint.accept(id)) {
              throw new InputError(
                `the prime cannot start a tune the checker accepts (constrain: ${o.constrain}${o.meter !== null ? `, meter ${o.meter}` : ''}): ` +
                  `${constraint.reason}, at character ${read.length} (after ${JSON.stringify(read)})`,
                'prime',
              );
            }
          }
        }
        let probs = await this.step(primeIds);
        let text = o.prime;
        let masked = 0;
        let maskedMax = 0;
        let drawn = 0;
        let complete = false;
        // A constrained tune steers toward its end as the budget runs out and, once it is spent, the checker
        // writes the end; it may run past maxLength by that much, never by more than MAX_OVERRUN.
        const limit = constraint ? o.maxLength + MAX_OVERRUN : o.maxLength;
        // Bars are redrawn on the sampler's own stepper, whose state can be copied.
        const redraw = constraint !== null && o.redrawBars && this.fast !== undefined;
        let barStart: BarStart | null = null;
        let barsSeen = 0;
        let barRemoved = 0;
        let redraws = 0;
        for (let k = 0; k < limit; k++) {
          const { id, removed } = constraint
            ? drawConstrained(probs, o.temperature, o.topK, o.topP, rng, constraint, o.maxLength - k)
            : draw(probs, o.temperature, o.topK, o.topP, rng, o.meter === null ? null : meterLineMask(this.vocab.symbols, currentLine(text), o.meter));
          if (id < 0) break; // the vocabulary cannot continue this tune: it ends unfinished (complete: false)
          drawn++;
          masked += removed;
          if (removed > maskedMax) maskedMax = removed;
          text += this.vocab.decode([id]);
          if (constraint) {
            if (!constraint.accept(id)) throw new Error(`sampler: the ABC checker refused the symbol it allowed (${constraint.reason}); this is a bug in tunelab`);
            if (constraint.ended) {
              complete = true;
              break;
            }
          } else if (/\n[ \t]*\n$/.test(text)) {
            // A tune ends at a blank line (tunes are separated by one in the corpus).
            complete = true;
            break;
          }
          probs = await this.step(Int32Array.of(id));
          if (redraw && constraint) {
            barRemoved = Math.max(barRemoved, removed);
            if (constraint.barsClosed !== barsSeen) {
              // A bar just closed: keep it, or go back to where it began and draw it again.
              const start = barStart;
              if (start && barRemoved > REDRAW_ABOVE && start.redraws < REDRAWS_PER_BAR && o.maxLength - k > FINISH_SOON) {
                this.fast!.restore(start.state);
                this.encoder = start.encoder?.clone() ?? null;
                constraint = start.constraint.clone();
                probs = start.probs;
                text = start.text;
                masked = start.masked;
                maskedMax = start.maskedMax;
                drawn = start.drawn;
                k = start.k;
                start.redraws++;
                redraws++;
              } else {
                if (start) FastLstmStepper.release(start.state);
                barStart = { state: this.fast!.snapshot(), encoder: this.encoder?.clone() ?? null, constraint: constraint.clone(), probs, text, masked, maskedMax, drawn, k, redraws: 0 };
                barsSeen = constraint.barsClosed;
              }
              barRemoved = 0;
            }
          }
        }
        if (barStart) FastLstmStepper.release(barStart.state);
        yield { text: `${text.replace(/\s+$/, '')}\n`, maskedMassMean: drawn > 0 ? masked / drawn : 0, maskedMassMax: maskedMax, complete, barsRedrawn: redraws };
      }
    } finally {
      this.reset();
    }
  }

  /** Zeroes the recurrent state (and the metric tracker: the next symbol starts a text). */
  reset(): void {
    if (this.fast) this.fast.reset();
    else resetStates(this.model);
    if (this.encoder) this.encoder = new MetricInputEncoder(this.vocab, this.encoder.layout);
  }

  /** The state after {@link START_CONTEXT}, kept once the fast stepper has read it (the weights never change). */
  private startState: { model: StepperState; encoder: MetricInputEncoder | null } | undefined;

  /** Zeroes the state and, with `context`, reads {@link START_CONTEXT} (its symbols this vocabulary has). */
  private async startTune(context: boolean): Promise<void> {
    this.reset();
    if (!context) return;
    if (this.fast && this.startState) {
      this.fast.restore(this.startState.model);
      this.encoder = this.startState.encoder?.clone() ?? null;
      return;
    }
    const ids = this.vocab.encode(START_CONTEXT, { oov: 'skip' });
    if (ids.length === 0) return;
    await this.step(ids);
    if (this.fast) this.startState = { model: this.fast.snapshot(), encoder: this.encoder?.clone() ?? null };
  }

  dispose(): void {
    if (this.startState) FastLstmStepper.release(this.startState.model);
    this.fast?.dispose();
    disposeModel(this.model);
  }
}

type CheckedOptions = Required<Omit<SampleOptions, 'meter'>> & { meter: string | null };

function checkOptions(o: SampleOptions): CheckedOptions {
  const constrain = o.constrain ?? 'meter';
  const meter = o.meter === undefined ? null : meterChoice(o.meter);
  if (o.meter !== undefined && meter === null) throw new InputError(`expected a meter like 6/8, but got ${JSON.stringify(o.meter)}`, 'meter');
  const r = {
    n: o.n ?? 1,
    temperature: o.temperature ?? 1,
    topK: o.topK ?? 0,
    topP: o.topP ?? 1,
    prime: o.prime ?? 'X:',
    maxLength: o.maxLength ?? 1000,
    seed: o.seed ?? 1,
    constrain,
    meter,
    redrawBars: o.redrawBars ?? true,
    startContext: o.startContext ?? true,
  };
  if (!Number.isInteger(r.n) || r.n < 1) throw new InputError(`expected n to be a positive integer, but got ${r.n}`, 'n');
  if (!(r.temperature > 0)) throw new InputError(`expected temperature > 0, but got ${r.temperature}`, 'temperature');
  if (!Number.isInteger(r.topK) || r.topK < 0) throw new InputError(`expected top-k to be an integer ≥ 0, but got ${r.topK}`, 'top-k');
  if (!(r.topP > 0 && r.topP <= 1)) throw new InputError(`expected top-p in (0, 1], but got ${r.topP}`, 'top-p');
  if (!Number.isInteger(r.maxLength) || r.maxLength < 1) {
    throw new InputError(`expected max-length to be a positive integer, but got ${r.maxLength}`, 'max-length');
  }
  if (!Number.isFinite(r.seed)) throw new InputError(`expected a numeric seed, but got ${r.seed}`, 'seed');
  if (!CONSTRAIN_MODES.includes(r.constrain)) {
    throw new InputError(`expected constrain to be one of ${CONSTRAIN_MODES.join(', ')}, but got ${JSON.stringify(r.constrain)}`, 'constrain');
  }
  if (meter !== null && constrain === 'off') checkPrimeMeter(r.prime, meter);
  return r;
}

/**
 * With `constrain: off` nothing but the `M:` lines is held (the checker does this in the other modes): a prime
 * that writes another meter, or that has begun the body (`K:`) without an `M:` line, cannot start a tune in
 * `meter`.
 */
function checkPrimeMeter(prime: string, meter: string): void {
  const other = meterLines(prime).find((m) => m !== meter);
  if (other !== undefined) throw new InputError(`the prime writes M:${other}, but the meter asked for is ${meter}`, 'prime');
  if (/^K:/m.test(prime) && meterLines(prime).length === 0) {
    throw new InputError(`the prime writes K: before any M: line, so its tune cannot be held to the meter ${meter}`, 'prime');
  }
}

/**
 * The mask `[vocab]` (1 = allowed) that holds an unconstrained tune's `M:` lines to `meter`: a symbol may
 * open or continue a line that starts with `M:` only while that line stays a prefix of `M:<meter>\n`.
 * Null where no symbol could start such a line (`line` is neither empty nor the start of an `M:` line), so
 * the model's own distribution is left alone everywhere but on those lines.
 */
export function meterLineMask(symbols: readonly string[], line: string, meter: string): Uint8Array | null {
  if (line !== '' && !line.startsWith('M')) return null;
  const target = `M:${meter}\n`;
  const mask = new Uint8Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    const candidate = line + symbols[i];
    const newline = candidate.indexOf('\n');
    const lineOf = newline < 0 ? candidate : candidate.slice(0, newline + 1);
    // Only a line that is (or may become) an M: field is held; any other line is the model's.
    const meterLine = lineOf.startsWith('M');
    mask[i] = !meterLine || target.startsWith(lineOf) ? 1 : 0;
  }
  return mask;
}

/** The text of the line being written (after the last newline). */
function currentLine(text: string): string {
  return text.slice(text.lastIndexOf('\n') + 1);
}

/**
 * Draws one symbol id from probabilities `[vocab]` after temperature (p^(1/T), renormalised), top-k and
 * top-p (nucleus) filtering.
 */
export function pick(probs: Float32Array, temperature: number, topK: number, topP: number, rng: Rng): number {
  return draw(probs, temperature, topK, topP, rng, null).id;
}

/**
 * {@link pick} under a mask `[vocab]` (1 = allowed): after temperature the disallowed symbols get zero
 * probability and the rest are renormalised, then top-k and top-p choose among them. `removed` is the
 * temperature-scaled probability mass the mask took away (0 without a mask). The mask must allow a symbol.
 */
export function draw(probs: Float32Array, temperature: number, topK: number, topP: number, rng: Rng, mask: Uint8Array | null): { id: number; removed: number } {
  const v = probs.length;
  const w = scaledProbabilities(probs, temperature);
  let removed = 0;
  for (let i = 0; i < v; i++) {
    if (mask && !mask[i]) {
      removed += w[i];
      w[i] = 0;
    }
  }
  let keep: number[] = [];
  for (let i = 0; i < v; i++) if (!mask || mask[i]) keep.push(i);
  if (topK > 0 || topP < 1) {
    const allowedMass = 1 - removed;
    keep.sort((a, b) => w[b] - w[a]);
    if (topK > 0) keep = keep.slice(0, topK);
    if (topP < 1) {
      let acc = 0;
      let cut = keep.length;
      for (let j = 0; j < keep.length; j++) {
        acc += w[keep[j]] / allowedMass;
        if (acc >= topP) {
          cut = j + 1;
          break;
        }
      }
      keep = keep.slice(0, cut);
    }
  }
  let total = 0;
  for (const i of keep) total += w[i];
  let r = rng.next() * total;
  for (const i of keep) {
    r -= w[i];
    if (r < 0) return { id: i, removed };
  }
  return { id: keep[keep.length - 1], removed };
}

/** Below this unchecked probability mass the sampler stops asking the checker (see drawConstrained). */
const UNCHECKED_TAIL = 1e-4;

/**
 * {@link draw} under the ABC checker, asking it about as few symbols as possible: the checker's verdicts
 * are exactly a mask (disallowed symbols get zero probability, the rest are renormalised), but instead of
 * asking about every symbol of the vocabulary each step it asks in order of probability until the symbols
 * not asked about hold less than UNCHECKED_TAIL of the mass, and about any of those only if one is drawn.
 * `removed` is the masked mass, exact but for that tail. With top-k or top-p every symbol is asked about.
 * Once the budget is spent the checker names the symbol (its mass counts as removed: 1 − p). Id -1: no
 * symbol of the vocabulary can continue the tune (a small vocabulary may lack the characters a bar needs).
 */
export function drawConstrained(
  probs: Float32Array,
  temperature: number,
  topK: number,
  topP: number,
  rng: Rng,
  constraint: SymbolConstraint,
  remaining: number,
): { id: number; removed: number } {
  const forced = constraint.begin(remaining);
  const w = scaledProbabilities(probs, temperature);
  if (forced >= 0) return { id: forced, removed: 1 - w[forced] };
  const v = w.length;
  // The model would end the tune here (a blank line) but it cannot end yet: close it soon.
  const end = constraint.endSymbol();
  if (end >= 0 && w[end] > 0.5 && !constraint.allows(end)) constraint.wantsToEnd();
  if (topK > 0 || topP < 1) {
    const mask = new Uint8Array(v);
    for (;;) {
      let count = 0;
      for (let i = 0; i < v; i++) count += mask[i] = constraint.allows(i) ? 1 : 0;
      if (count > 0) return draw(probs, temperature, topK, topP, rng, mask);
      if (!constraint.relax()) return { id: -1, removed: 1 };
    }
  }
  const order = Array.from({ length: v }, (_, i) => i).sort((a, b) => w[b] - w[a]);
  for (;;) {
    let removed = 0;
    let asked = 0;
    for (let j = 0; j < v && 1 - asked > UNCHECKED_TAIL; j++) {
      asked += w[order[j]];
      if (!constraint.allows(order[j])) removed += w[order[j]];
    }
    // Draw from what is left; a drawn symbol not asked about yet is asked now (and drawn again if refused).
    while (removed < 1 - 1e-9) {
      let r = rng.next() * (1 - removed);
      let drawn = -1;
      for (const id of order) {
        if (constraint.verdict(id) === 0) continue;
        drawn = id;
        if ((r -= w[id]) < 0) break;
      }
      if (drawn < 0) break;
      if (constraint.allows(drawn)) return { id: drawn, removed };
      removed += w[drawn];
    }
    // Everything the model offers is refused at this steering level (or holds no mass): steer less.
    let any = -1;
    for (let i = 0; i < v && any < 0; i++) if (constraint.allows(i)) any = i;
    if (any >= 0) return { id: any, removed: 1 - w[any] };
    if (!constraint.relax()) return { id: -1, removed: 1 };
  }
}

/** Probabilities `[vocab]` after temperature: p^(1/T), renormalised. */
function scaledProbabilities(probs: Float32Array, temperature: number): Float64Array {
  const v = probs.length;
  const w = new Float64Array(v);
  let max = -Infinity;
  for (let i = 0; i < v; i++) {
    w[i] = Math.log(Math.max(probs[i], 1e-30)) / temperature;
    if (w[i] > max) max = w[i];
  }
  let sum = 0;
  for (let i = 0; i < v; i++) sum += w[i] = Math.exp(w[i] - max);
  for (let i = 0; i < v; i++) w[i] /= sum;
  return w;
}

/**
 * Generates whole tunes: each starts from `prime`, steps one symbol at a time and stops at a blank line
 * (the end of a tune) or after `maxLength` symbols. `source` is a Sampler (reused, not disposed), a
 * loaded Checkpoint or a checkpoint folder.
 */
export async function sample(source: Sampler | Checkpoint | string, options: SampleOptions = {}): Promise<SampledTune[]> {
  if (source instanceof Sampler) return source.generate(options);
  const ckpt = typeof source === 'string' ? await loadCheckpoint(source) : source;
  const sampler = Sampler.fromCheckpoint(ckpt);
  try {
    return await sampler.generate(options);
  } finally {
    sampler.dispose();
  }
}
