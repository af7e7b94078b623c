/**
 * An image captioner in the Hugging Face layout (VisionEncoderDecoderModel, e.g.
 * vit-gpt2-image-captioning): config.json and generation_config.json (token ids),
 * preprocessor_config.json, tokenizer.json + tokenizer_config.json, onnx/encoder_model.onnx
 * (`pixel_values` → `last_hidden_state`) and onnx/decoder_model.onnx (`input_ids`,
 * `encoder_hidden_states` → `logits`). With onnx/decoder_with_past_model.onnx listed too
 * (optimum's older with-past layout), generation uses the KV cache; optimum's merged decoder
 * (decoder_model_merged.onnx, `use_cache_branch`) is not supported.
 */
import type { Tokenizer } from '@huggingface/tokenizers';
import { loadTokenizer } from './tokenizer';
import { loadModelFolder, type ModelFolder } from './cache';
import { generationIdsSchema, hasModelFile, imageProcessorSchema, readModelJson } from './config';
import { cachedDecoder, createCachedDecoderRun, type CachedDecoder } from './decoder-cache-run';
import { createDecoderRun, type EncodedImages } from './decoder-run';
import { generate } from './generate';
import { assertListed, ModelError } from './manifest';
import { createPreprocessor, type Preprocessor } from './preprocess';
import { assertSignature, loadOrt, sessionFor, type InferenceSession, type Ort } from './session';

export const CAPTIONER_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'onnx/encoder_model.onnx',
  'onnx/decoder_model.onnx',
];

export interface Captioner {
  readonly folder: ModelFolder;
  readonly preprocessor: Preprocessor;
  readonly encoder: InferenceSession;
  readonly decoder: InferenceSession;
  /** decoder_model.onnx + decoder_with_past_model.onnx, when the folder has the latter. */
  readonly cached?: CachedDecoder;
  readonly ort: Ort;
  readonly tokenizer: Tokenizer;
  readonly startTokenId: number;
  readonly eosTokenIds: readonly number[];
  readonly lengthPenalty: number;
  readonly earlyStopping: boolean | 'never';
}

export interface CaptionSettings {
  readonly maxNewTokens: number;
  readonly numBeams: number;
  /**
   * Recompute each row's whole prefix every step even when the folder has a KV-cache decoder
   * (tests and benchmarks compare the two paths). @default false
   */
  readonly recomputePrefix?: boolean;
}

export const DECODER_WITH_PAST = 'onnx/decoder_with_past_model.onnx';
export const DECODER_MERGED = 'onnx/decoder_model_merged.onnx';

const loaded = new Map<string, Promise<Captioner>>();

/** The captioner at `uri`, loaded once per process. */
export function loadCaptioner(uri: string): Promise<Captioner> {
  let captioner = loaded.get(uri);
  if (!captioner) {
    captioner = openCaptioner(uri);
    captioner.catch(() => loaded.delete(uri));
    loaded.set(uri, captioner);
  }
  return captioner;
}

async function openCaptioner(uri: string): Promise<Captioner> {
  const folder = await loadModelFolder(uri);
  if (hasModelFile(folder, DECODER_MERGED) && !hasModelFile(folder, 'onnx/decoder_model.onnx'))
    throw new ModelError(
      `model file ${DECODER_MERGED} of ${uri}: optimum's merged decoder (use_cache_branch) is not supported; put onnx/decoder_model.onnx (and, for the KV cache, ${DECODER_WITH_PAST}) in the folder instead`,
    );
  assertListed(folder.files, CAPTIONER_FILES, uri);
  const config = await readModelJson(folder, 'config.json', generationIdsSchema);
  const generation = hasModelFile(folder, 'generation_config.json')
    ? await readModelJson(folder, 'generation_config.json', generationIdsSchema)
    : undefined;
  const pick = <K extends keyof typeof config>(key: K) => generation?.[key] ?? config[key];
  const startTokenId = pick('decoder_start_token_id') ?? pick('bos_token_id');
  const eos = pick('eos_token_id');
  if (startTokenId == null || eos == null)
    throw new ModelError(
      `model file config.json of ${uri}: needs decoder_start_token_id (or bos_token_id) and eos_token_id`,
    );
  const processor = await readModelJson(folder, 'preprocessor_config.json', imageProcessorSchema);
  const [encoder, decoder] = await Promise.all([
    sessionFor(folder, 'onnx/encoder_model.onnx'),
    sessionFor(folder, 'onnx/decoder_model.onnx'),
  ]);
  assertSignature(
    encoder,
    folder,
    'onnx/encoder_model.onnx',
    ['pixel_values'],
    ['last_hidden_state'],
  );
  assertSignature(
    decoder,
    folder,
    'onnx/decoder_model.onnx',
    ['input_ids', 'encoder_hidden_states'],
    ['logits'],
  );
  const cached = hasModelFile(folder, DECODER_WITH_PAST)
    ? cachedDecoder(decoder, await sessionFor(folder, DECODER_WITH_PAST), (f) => `${f} of ${uri}`)
    : undefined;
  return {
    folder,
    preprocessor: createPreprocessor(processor, `model file preprocessor_config.json of ${uri}`),
    encoder,
    decoder,
    cached,
    ort: await loadOrt(),
    tokenizer: await loadTokenizer(folder),
    startTokenId,
    eosTokenIds: Array.isArray(eos) ? eos : [eos],
    lengthPenalty: pick('length_penalty') ?? 1,
    earlyStopping: pick('early_stopping') ?? false,
  };
}


/** The encoder's output for a batch of preprocessed images. */
export async function encodePixels(
  captioner: Captioner,
  pixels: Float32Array,
  batch: number,
): Promise<EncodedImages> {
  const { height, width } = captioner.preprocessor;
  const input = new captioner.ort.Tensor(
    'float32',
    pixels.subarray(0, batch * 3 * height * width),
    [batch, 3, height, width],
  );
  const { last_hidden_state: hidden } = await captioner.encoder.run({ pixel_values: input }, [
    'last_hidden_state',
  ]);
  const [, tokens, dims] = hidden!.dims as number[];
  return { data: hidden!.data as Float32Array, batch, tokens: tokens!, dims: dims! };
}

/** Generated token ids (no start token, no EOS) for a batch of preprocessed images. */
export async function captionIds(
  captioner: Captioner,
  pixels: Float32Array,
  batch: number,
  settings: CaptionSettings,
): Promise<number[][]> {
  const encoded = await encodePixels(captioner, pixels, batch);
  const where = (file: string) => `${file} of ${captioner.folder.uri}`;
  const run =
    captioner.cached && !settings.recomputePrefix
      ? createCachedDecoderRun(captioner.ort, captioner.cached, encoded, where)
      : createDecoderRun(
          captioner.ort,
          captioner.decoder,
          encoded,
          where('onnx/decoder_model.onnx'),
        );
  return generate(run, batch, {
    maxNewTokens: settings.maxNewTokens,
    numBeams: settings.numBeams,
    startTokenId: captioner.startTokenId,
    eosTokenIds: captioner.eosTokenIds,
    lengthPenalty: captioner.lengthPenalty,
    earlyStopping: captioner.earlyStopping,
  });
}

/** Token ids → text, special tokens skipped, surrounding whitespace trimmed. */
export function decodeCaption(captioner: Captioner, ids: readonly number[]): string {
  // The tokenizer refuses an empty list: a caption that ended at once is empty text.
  if (ids.length === 0) return '';
  return captioner.tokenizer.decode([...ids], { skip_special_tokens: true }).trim();
}
