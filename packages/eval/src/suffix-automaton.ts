/**
 * A generalized suffix automaton over a set of documents (the reference tunes' bodies).
 *
 * Why an automaton: novelty asks, for every sample, the longest span it shares verbatim with any reference
 * tune. Walking a sample through the automaton answers that in O(sample length) whatever the reference's
 * size, so a reference of thousands of tunes is built once per trial and reused for every evaluation.
 *
 * Why "generalized": each document is inserted from the root, so no state spans the boundary between two
 * documents (a plain automaton over the concatenation would match across it). Every state remembers one
 * document in which its strings occur; all strings of a state share their end positions, so that document
 * contains every one of them — which is what lets a match name the tune it came from.
 *
 * Storage is flat typed arrays (edge lists per state) rather than a Map per state: the whole Nottingham
 * corpus makes about a million states, and per-state objects would cost gigabytes.
 */

/** The longest span of a query found in the automaton's documents. */
export interface LongestMatch {
  /** Its length in UTF-16 code units (0 when no character of the query occurs). */
  length: number;
  /** Where it starts in the query. */
  start: number;
  /** A document that contains it (-1 when length is 0). */
  doc: number;
}

const NONE = -1;

/** Growable Int32Array. */
class IntList {
  data: Int32Array;
  size = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, Math.ceil(capacity)));
  }
  push(v: number): number {
    if (this.size === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.size] = v;
    return this.size++;
  }
}

/**
 * Built once from documents, then queried; immutable after construction.
 * Characters are UTF-16 code units; a document may contain any of them.
 */
export class SuffixAutomaton {
  /** Per state: length of its longest string, suffix link, first outgoing edge, one document it occurs in. */
  private readonly len: IntList;
  private readonly link: IntList;
  private readonly head: IntList;
  private readonly doc: IntList;
  /** Per edge: label (code unit), target state, next edge of the same state. */
  private readonly edgeChar: IntList;
  private readonly edgeTo: IntList;
  private readonly edgeNext: IntList;
  /** Root's edges by code unit, for the common case of restarting a match from the root. */
  private readonly rootEdges = new Map<number, number>();

  /** Number of documents inserted. */
  readonly documents: number;

  constructor(docs: readonly string[]) {
    const total = docs.reduce((n, d) => n + d.length, 0);
    const states = 2 * total + 2;
    this.len = new IntList(states);
    this.link = new IntList(states);
    this.head = new IntList(states);
    this.doc = new IntList(states);
    this.edgeChar = new IntList(states * 1.5);
    this.edgeTo = new IntList(states * 1.5);
    this.edgeNext = new IntList(states * 1.5);
    this.newState(0, NONE, NONE);
    docs.forEach((d, i) => this.insert(d, i));
    this.documents = docs.length;
    for (let e = this.head.data[0]; e !== NONE; e = this.edgeNext.data[e]) {
      this.rootEdges.set(this.edgeChar.data[e], this.edgeTo.data[e]);
    }
  }

  /** Number of states (root included). */
  get size(): number {
    return this.len.size;
  }

  private newState(length: number, link: number, doc: number): number {
    this.len.push(length);
    this.link.push(link);
    this.head.push(NONE);
    return this.doc.push(doc);
  }

  private edge(state: number, c: number): number {
    const chr = this.edgeChar.data;
    const next = this.edgeNext.data;
    for (let e = this.head.data[state]; e !== NONE; e = next[e]) if (chr[e] === c) return e;
    return NONE;
  }

  /** The state reached from `state` by `c`, or -1. */
  next(state: number, c: number): number {
    if (state === 0) return this.rootEdges.get(c) ?? NONE;
    const e = this.edge(state, c);
    return e === NONE ? NONE : this.edgeTo.data[e];
  }

  private addEdge(state: number, c: number, to: number): void {
    const e = this.edgeChar.push(c);
    this.edgeTo.push(to);
    this.edgeNext.push(this.head.data[state]);
    this.head.data[state] = e;
  }

  private copyEdges(from: number, to: number): void {
    for (let e = this.head.data[from]; e !== NONE; e = this.edgeNext.data[e]) {
      this.addEdge(to, this.edgeChar.data[e], this.edgeTo.data[e]);
    }
  }

  /** Standard generalized construction (insertion restarts at the root; existing transitions are reused or split). */
  private insert(text: string, d: number): void {
    let last = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const existing = this.edge(last, c);
      if (existing !== NONE) {
        // The extended string already exists (it occurred in an earlier document or earlier here).
        const q = this.edgeTo.data[existing];
        if (this.len.data[q] === this.len.data[last] + 1) {
          last = q;
        } else {
          last = this.split(last, q, c);
        }
        continue;
      }
      const cur = this.newState(this.len.data[last] + 1, NONE, d);
      let p = last;
      while (p !== NONE && this.edge(p, c) === NONE) {
        this.addEdge(p, c, cur);
        p = this.link.data[p];
      }
      if (p === NONE) {
        this.link.data[cur] = 0;
      } else {
        const q = this.edgeTo.data[this.edge(p, c)];
        if (this.len.data[p] + 1 === this.len.data[q]) {
          this.link.data[cur] = q;
        } else {
          this.link.data[cur] = this.split(p, q, c);
        }
      }
      last = cur;
    }
  }

  /** Clones `q` so that a state of length len(p)+1 exists; redirects p's suffix chain; returns the clone. */
  private split(p: number, q: number, c: number): number {
    // The clone's strings are suffixes of q's strings, so they occur in q's document too.
    const clone = this.newState(this.len.data[p] + 1, this.link.data[q], this.doc.data[q]);
    this.copyEdges(q, clone);
    this.link.data[q] = clone;
    while (p !== NONE) {
      const e = this.edge(p, c);
      if (e === NONE || this.edgeTo.data[e] !== q) break;
      this.edgeTo.data[e] = clone;
      p = this.link.data[p];
    }
    return clone;
  }

  /**
   * The longest span of `query` that occurs verbatim inside one document, and that document.
   * O(query length): matching statistics, shrinking along suffix links on a mismatch.
   */
  longestMatch(query: string): LongestMatch {
    let best: LongestMatch = { length: 0, start: 0, doc: NONE };
    let state = 0;
    let length = 0;
    for (let i = 0; i < query.length; i++) {
      const c = query.charCodeAt(i);
      let to = this.next(state, c);
      while (to === NONE && state !== 0) {
        state = this.link.data[state];
        length = this.len.data[state];
        to = this.next(state, c);
      }
      if (to === NONE) {
        state = 0;
        length = 0;
        continue;
      }
      state = to;
      length++;
      if (length > best.length) best = { length, start: i + 1 - length, doc: this.doc.data[state] };
    }
    return best;
  }

  /** Whether `s` occurs verbatim in some document. */
  contains(s: string): boolean {
    let state = 0;
    for (let i = 0; i < s.length && state !== NONE; i++) state = this.next(state, s.charCodeAt(i));
    return state !== NONE;
  }
}
