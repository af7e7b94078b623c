/**
 * Greedy and beam-search decoding over an ONNX decoder, written by hand: onnxruntime-node
 * runs graphs only, and no maintained library does generation on top of it (transformers.js
 * does, but brings onnxruntime-web and its own session handling). Both follow transformers'
 * generate() so that captions match the reference: greedy takes the first highest logit;
 * beam search keeps (1 + #eos, at least 2) × beams candidates per step, scores finished
 * hypotheses as sum(log p) / generated_length ** length_penalty (EOS included) and stops an
 * item once no running beam can beat its worst finished one (transformers' default
 * early_stopping=false heuristic; true stops once `numBeams` hypotheses are finished).
 *
 * Items that are done leave the batch: the decoder runs only rows that still matter.
 */

/** The decoder over a growing batch of rows; each row is one item's prefix (one beam). */
export interface DecoderRun {
  readonly vocab: number;
  /**
   * Next-token logits [rows × vocab] after extending the rows: new row i is old row
   * `parents[i]` plus token `tokens[i]`. The first call's parents index the items
   * (each item's row starts empty).
   */
  step(parents: readonly number[], tokens: readonly number[]): Promise<Float32Array>;
}

export interface GenerationOptions {
  readonly maxNewTokens: number;
  readonly numBeams: number;
  readonly startTokenId: number;
  readonly eosTokenIds: readonly number[];
  /** @default 1 */
  readonly lengthPenalty?: number;
  /** @default false */
  readonly earlyStopping?: boolean | 'never';
}

/** Generated token ids per item, without the start token and without the final EOS. */
export async function generate(
  run: DecoderRun,
  items: number,
  options: GenerationOptions,
): Promise<number[][]> {
  return options.numBeams <= 1 ? greedy(run, items, options) : beamSearch(run, items, options);
}

async function greedy(run: DecoderRun, items: number, o: GenerationOptions): Promise<number[][]> {
  const out: number[][] = Array.from({ length: items }, () => []);
  const eos = new Set(o.eosTokenIds);
  let rowsItem = Array.from({ length: items }, (_, i) => i);
  let parents = rowsItem.slice();
  let tokens = rowsItem.map(() => o.startTokenId);
  for (let step = 0; step < o.maxNewTokens && rowsItem.length > 0; step++) {
    const logits = await run.step(parents, tokens);
    const next: { parents: number[]; tokens: number[]; items: number[] } = {
      parents: [],
      tokens: [],
      items: [],
    };
    rowsItem.forEach((item, row) => {
      const token = argmax(logits, row * run.vocab, run.vocab);
      if (eos.has(token)) return;
      out[item]!.push(token);
      next.parents.push(row);
      next.tokens.push(token);
      next.items.push(item);
    });
    ({ parents, tokens, items: rowsItem } = next);
  }
  return out;
}

interface Hypothesis {
  readonly tokens: readonly number[];
  readonly score: number;
}
interface Candidate extends Hypothesis {
  readonly parentRow: number;
  readonly hits: boolean;
}
interface BeamItem {
  running: Hypothesis[];
  /** Rows of `running` in the current step's batch. */
  rows: number[];
  finished: Hypothesis[];
  done: boolean;
}

const NEG = -1e9;

async function beamSearch(
  run: DecoderRun,
  items: number,
  o: GenerationOptions,
): Promise<number[][]> {
  const beams = o.numBeams;
  const eos = new Set(o.eosTokenIds);
  const keep = Math.max(2, 1 + eos.size) * beams;
  const lengthPenalty = o.lengthPenalty ?? 1;
  const early = o.earlyStopping ?? false;
  // The first step runs one row per item: transformers' other beams start at -1e9 and never
  // make the top-k, so their identical rows would be wasted work.
  const state: BeamItem[] = Array.from({ length: items }, (_, i) => ({
    running: [{ tokens: [], score: 0 }],
    rows: [i],
    finished: [],
    done: false,
  }));
  let parents = state.map((_, i) => i);
  let tokens = state.map(() => o.startTokenId);
  for (let generated = 1; generated <= o.maxNewTokens; generated++) {
    const logits = await run.step(parents, tokens);
    const atMax = generated === o.maxNewTokens;
    parents = [];
    tokens = [];
    for (const item of state) {
      if (item.done) continue;
      const candidates = topCandidates(item, logits, run.vocab, keep).map((c): Candidate => ({
        ...c,
        hits: atMax || eos.has(c.tokens[c.tokens.length - 1]!),
      }));
      const running = candidates
        .map((c) => ({ c, rank: c.score + (c.hits ? NEG : 0) }))
        .sort((a, b) => b.rank - a.rank)
        .slice(0, beams);
      const full = item.finished.length === beams;
      if (!(full && early === true)) {
        const fresh = candidates
          .slice(0, beams)
          .filter((c) => c.hits)
          .map((c) => ({ tokens: c.tokens, score: c.score / generated ** lengthPenalty }));
        item.finished = [...item.finished, ...fresh]
          .sort((a, b) => b.score - a.score)
          .slice(0, beams);
      }
      item.running = running.map(({ c, rank }) => ({ tokens: c.tokens, score: rank }));
      const best = item.running[0]!.score;
      const length = early === 'never' && lengthPenalty > 0 ? o.maxNewTokens : generated;
      const canImprove =
        item.finished.length < beams
          ? best > NEG
          : best / length ** lengthPenalty > item.finished[beams - 1]!.score;
      item.done = atMax || !canImprove || (early === true && item.finished.length === beams);
      if (item.done) continue;
      item.rows = running.map((_, i) => parents.length + i);
      for (const { c } of running) {
        parents.push(c.parentRow);
        tokens.push(c.tokens[c.tokens.length - 1]!);
      }
    }
    if (parents.length === 0) break;
  }
  return state.map((item) => {
    const best = item.finished[0] ?? item.running[0]!;
    const ids = [...best.tokens];
    if (ids.length > 0 && eos.has(ids[ids.length - 1]!)) ids.pop();
    return ids;
  });
}

/** The `keep` best (beam, token) continuations of an item by accumulated log-probability. */
function topCandidates(
  item: BeamItem,
  logits: Float32Array,
  vocab: number,
  keep: number,
): Omit<Candidate, 'hits'>[] {
  const all: Omit<Candidate, 'hits'>[] = [];
  item.running.forEach((beam, b) => {
    const row = item.rows[b]!;
    const offset = row * vocab;
    const lse = logSumExp(logits, offset, vocab);
    for (const token of topIndices(logits, offset, vocab, keep)) {
      const score = beam.score + (logits[offset + token]! - lse);
      all.push({ tokens: [...beam.tokens, token], score, parentRow: row });
    }
  });
  // Stable sort: ties keep beam-then-token order.
  return all.sort((a, b) => b.score - a.score).slice(0, keep);
}

function argmax(values: Float32Array, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (values[offset + i]! > values[offset + best]!) best = i;
  return best;
}

function logSumExp(values: Float32Array, offset: number, length: number): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) max = Math.max(max, values[offset + i]!);
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(values[offset + i]! - max);
  return max + Math.log(sum);
}

/** Indices of the k largest values (descending, lower index first on ties). */
function topIndices(values: Float32Array, offset: number, length: number, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < length; i++) {
    const v = values[offset + i]!;
    if (top.length === k && v <= values[offset + top[k - 1]!]!) continue;
    let at = top.length;
    while (at > 0 && v > values[offset + top[at - 1]!]!) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}
