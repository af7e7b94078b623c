/**
 * A DecoderRun (generate.ts) over decoder_model.onnx without a KV cache: every step feeds each
 * row's whole prefix and reads the last position's logits. Captions are short (tens of
 * tokens) and the encoder dominates, so recomputing the prefix costs little and keeps one
 * graph per model.
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

export function createDecoderRun(
  ort: Ort,
  decoder: InferenceSession,
  encoded: EncodedImages,
  where: string,
): DecoderRun {
  const perItem = encoded.tokens * encoded.dims;
  let prefixes: number[][] = Array.from({ length: encoded.batch }, () => []);
  let rowItems = Array.from({ length: encoded.batch }, (_, i) => i);
  let states: { items: readonly number[]; tensor: Tensor } | undefined;
  let vocab = 0;

  /** encoder_hidden_states for the rows, rebuilt only when the rows' items change. */
  const statesFor = (items: readonly number[]): Tensor => {
    if (states && sameItems(states.items, items)) return states.tensor;
    const data = new Float32Array(items.length * perItem);
    items.forEach((item, row) =>
      data.set(encoded.data.subarray(item * perItem, (item + 1) * perItem), row * perItem),
    );
    const tensor = new ort.Tensor('float32', data, [items.length, encoded.tokens, encoded.dims]);
    states = { items: [...items], tensor };
    return tensor;
  };

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
      const [outRows, outLength, outVocab] = logits!.dims as number[];
      if (outRows !== rows || outLength !== length || !outVocab)
        throw new ModelError(
          `model file ${where}: logits shape [${logits!.dims.join(', ')}], expected [${rows}, ${length}, vocab]`,
        );
      vocab = outVocab;
      const all = logits!.data as Float32Array;
      const last = new Float32Array(rows * vocab);
      for (let r = 0; r < rows; r++)
        last.set(
          all.subarray((r * length + length - 1) * vocab, (r * length + length) * vocab),
          r * vocab,
        );
      return last;
    },
  };
}

function sameItems(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
