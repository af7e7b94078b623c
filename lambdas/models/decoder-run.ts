/**
 * A DecoderRun (generate.ts) over decoder_model.onnx without a KV cache: every step feeds each
 * row's whole prefix and reads the last position's logits. Used when the folder has no
 * decoder_with_past_model.onnx (decoder-cache-run.ts is the cached path); captions are short,
 * so recomputing the prefix costs O(length²) decoder positions but stays correct.
 */
import type { DecoderRun } from './generate';
import { ModelError } from './manifest';
import type { InferenceSession, Ort, Tensor } from './session';

export interface EncodedImages {
  /** last_hidden_state [batch, tokens, dims], row-major. */
  readonly data: Float32Array;
  readonly batch: number;
  readonly tokens: number;
  readonly dims: number;
}

/**
 * encoder_hidden_states for a step's rows (row → item), rebuilt only when the rows' items
 * change: greedy rows change only when an item finishes, so most steps reuse the tensor.
 */
export function encoderStatesFor(
  ort: Ort,
  encoded: EncodedImages,
): (items: readonly number[]) => Tensor {
  const perItem = encoded.tokens * encoded.dims;
  let last: { items: readonly number[]; tensor: Tensor } | undefined;
  return (items) => {
    if (last && sameRows(last.items, items)) return last.tensor;
    const identity = items.length === encoded.batch && items.every((item, row) => item === row);
    // Every item in order: the encoder's own output, no copy.
    const data = identity
      ? encoded.data.subarray(0, items.length * perItem)
      : new Float32Array(items.length * perItem);
    if (!identity)
      items.forEach((item, row) =>
        data.set(encoded.data.subarray(item * perItem, (item + 1) * perItem), row * perItem),
      );
    const tensor = new ort.Tensor('float32', data, [items.length, encoded.tokens, encoded.dims]);
    last = { items: [...items], tensor };
    return tensor;
  };
}

export function sameRows(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The last position's logits of each row: [rows × vocab] out of [rows, length, vocab]. */
export function lastLogits(logits: Tensor, rows: number, length: number, where: string) {
  const [outRows, outLength, vocab] = logits.dims as number[];
  if (outRows !== rows || outLength !== length || !vocab)
    throw new ModelError(
      `model file ${where}: logits shape [${logits.dims.join(', ')}], expected [${rows}, ${length}, vocab]`,
    );
  const all = logits.data as Float32Array;
  if (length === 1) return { vocab, last: all };
  const last = new Float32Array(rows * vocab);
  for (let r = 0; r < rows; r++)
    last.set(
      all.subarray((r * length + length - 1) * vocab, (r * length + length) * vocab),
      r * vocab,
    );
  return { vocab, last };
}

export function createDecoderRun(
  ort: Ort,
  decoder: InferenceSession,
  encoded: EncodedImages,
  where: string,
): DecoderRun {
  const statesFor = encoderStatesFor(ort, encoded);
  let prefixes: number[][] = Array.from({ length: encoded.batch }, () => []);
  let rowItems = Array.from({ length: encoded.batch }, (_, i) => i);
  let vocab = 0;
  return {
    get vocab() {
      return vocab;
    },
    async step(parents, tokens) {
      prefixes = parents.map((p, i) => [...prefixes[p]!, tokens[i]!]);
      rowItems = parents.map((p) => rowItems[p]!);
      const rows = prefixes.length;
      const length = prefixes[0]!.length;
      const ids = new BigInt64Array(rows * length);
      prefixes.forEach((prefix, r) => prefix.forEach((t, j) => (ids[r * length + j] = BigInt(t))));
      const { logits } = await decoder.run(
        {
          input_ids: new ort.Tensor('int64', ids, [rows, length]),
          encoder_hidden_states: statesFor(rowItems),
        },
        ['logits'],
      );
      const out = lastLogits(logits!, rows, length, where);
      vocab = out.vocab;
      return out.last;
    },
  };
}
