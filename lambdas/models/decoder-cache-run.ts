/**
 * A DecoderRun (generate.ts) with a self-attention KV cache, for folders in optimum's older
 * layout: the first step runs decoder_model.onnx on the start tokens ([rows, 1]) and keeps
 * its `present.{i}.key/value`; every later step runs decoder_with_past_model.onnx on the new
 * token only, with the kept cache as `past_key_values.{i}.key/value`. Cache rows follow the
 * step's `parents`: a beam that continues another beam's prefix gets that beam's rows, and a
 * row that finished (EOS, or a beam-search item that is done) is simply not gathered, so
 * finished rows cost nothing in later steps.
 */
import type { DecoderRun } from './generate';
import { encoderStatesFor, lastLogits, type EncodedImages } from './decoder-run';
import { ModelError } from './manifest';
import type { InferenceSession, Ort, Tensor } from './session';

/** The two decoder graphs of a cached decoder and the cache names they share. */
export interface CachedDecoder {
  readonly first: InferenceSession;
  readonly withPast: InferenceSession;
  /** `present.{i}.key/value` in layer order; the i-th feeds `pastNames[i]`. */
  readonly presentNames: readonly string[];
  readonly pastNames: readonly string[];
}

/**
 * The cache names of `withPast` (its `past_key_values.{i}.key/value` inputs), checked against
 * both graphs: a decoder_model.onnx without the matching `present.*` outputs cannot start the
 * cache, and the error says so, naming the file.
 */
export function cachedDecoder(
  first: InferenceSession,
  withPast: InferenceSession,
  where: (file: string) => string,
): CachedDecoder {
  const layers = withPast.inputNames
    .map((name) => /^past_key_values\.(\d+)\.key$/.exec(name)?.[1])
    .filter((layer): layer is string => layer !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  if (layers.length === 0)
    throw new ModelError(
      `model file ${where('onnx/decoder_with_past_model.onnx')} has no past_key_values.{i}.key inputs (has ${withPast.inputNames.join(', ')})`,
    );
  const pastNames = layers.flatMap((i) => [
    `past_key_values.${i}.key`,
    `past_key_values.${i}.value`,
  ]);
  const presentNames = layers.flatMap((i) => [`present.${i}.key`, `present.${i}.value`]);
  const lacking = (names: readonly string[], have: readonly string[]) =>
    names.filter((name) => !have.includes(name));
  const missingPast = lacking(
    ['input_ids', 'encoder_hidden_states', ...pastNames],
    withPast.inputNames,
  );
  const missingOut = lacking(['logits', ...presentNames], withPast.outputNames);
  if (missingPast.length + missingOut.length > 0)
    throw new ModelError(
      `model file ${where('onnx/decoder_with_past_model.onnx')} lacks ${[...missingPast.map((n) => `input ${n}`), ...missingOut.map((n) => `output ${n}`)].join(', ')}`,
    );
  // An export that also wants e.g. attention_mask or encoder cache inputs is another layout.
  const extra = lacking(withPast.inputNames, ['input_ids', 'encoder_hidden_states', ...pastNames]);
  if (extra.length > 0)
    throw new ModelError(
      `model file ${where('onnx/decoder_with_past_model.onnx')} has inputs this runtime does not feed: ${extra.join(', ')} (expected input_ids, encoder_hidden_states, past_key_values.{i}.key/value)`,
    );
  const missingPresent = lacking(presentNames, first.outputNames);
  if (missingPresent.length > 0)
    throw new ModelError(
      `model file ${where('onnx/decoder_model.onnx')} lacks output ${missingPresent.join(', ')}, which onnx/decoder_with_past_model.onnx needs to start its cache (export both graphs with past, or leave decoder_with_past_model.onnx out of the folder to recompute the prefix instead)`,
    );
  return { first, withPast, presentNames, pastNames };
}

export function createCachedDecoderRun(
  ort: Ort,
  decoder: CachedDecoder,
  encoded: EncodedImages,
  where: (file: string) => string,
): DecoderRun {
  const statesFor = encoderStatesFor(ort, encoded);
  let rowItems = Array.from({ length: encoded.batch }, (_, i) => i);
  let cache: Tensor[] | undefined;
  let vocab = 0;
  return {
    get vocab() {
      return vocab;
    },
    async step(parents, tokens) {
      rowItems = parents.map((p) => rowItems[p]!);
      const rows = parents.length;
      const feeds: Record<string, Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [rows, 1]),
        encoder_hidden_states: statesFor(rowItems),
      };
      const session = cache ? decoder.withPast : decoder.first;
      const file = cache ? 'onnx/decoder_with_past_model.onnx' : 'onnx/decoder_model.onnx';
      cache?.forEach(
        (tensor, i) => (feeds[decoder.pastNames[i]!] = gatherRows(ort, tensor, parents)),
      );
      const out = await session.run(feeds, ['logits', ...decoder.presentNames]);
      cache = decoder.presentNames.map((name) => {
        const present = out[name]!;
        if (present.dims[0] !== rows)
          throw new ModelError(
            `model file ${where(file)}: ${name} shape [${present.dims.join(', ')}], expected ${rows} rows`,
          );
        return present;
      });
      const logits = lastLogits(out.logits!, rows, 1, where(file));
      vocab = logits.vocab;
      return logits.last;
    },
  };
}

/** Rows `parents` of a [rows, ...] tensor, in that order; the tensor itself when unchanged. */
function gatherRows(ort: Ort, tensor: Tensor, parents: readonly number[]): Tensor {
  const [rows, ...rest] = tensor.dims as number[];
  if (parents.length === rows && parents.every((p, i) => p === i)) return tensor;
  const data = tensor.data as Float32Array;
  const rowLength = data.length / rows!;
  const gathered = new (data.constructor as Float32ArrayConstructor)(parents.length * rowLength);
  parents.forEach((p, i) =>
    gathered.set(data.subarray(p * rowLength, (p + 1) * rowLength), i * rowLength),
  );
  return new ort.Tensor(tensor.type as 'float32', gathered, [parents.length, ...rest]);
}
