/**
 * An image classifier in the Hugging Face layout (ViTForImageClassification-style):
 * config.json (id2label, problem_type), preprocessor_config.json, onnx/model.onnx with input
 * `pixel_values` [batch, 3, H, W] and output `logits` [batch, labels].
 */
import { loadModelFolder, type ModelFolder } from './cache';
import { classifierConfigSchema, imageProcessorSchema, readModelJson } from './config';
import { assertListed, ModelError } from './manifest';
import { createPreprocessor, type Preprocessor } from './preprocess';
import { assertSignature, loadOrt, sessionFor, type InferenceSession, type Ort } from './session';

export const CLASSIFIER_FILES = ['config.json', 'preprocessor_config.json', 'onnx/model.onnx'];

export interface Classifier {
  readonly folder: ModelFolder;
  /** Labels in output order (id2label by id). */
  readonly labels: readonly string[];
  readonly preprocessor: Preprocessor;
  /** softmax over labels, or sigmoid per label (multi-label models, one-logit models). */
  readonly activation: 'softmax' | 'sigmoid';
  readonly session: InferenceSession;
  readonly ort: Ort;
}

const loaded = new Map<string, Promise<Classifier>>();

/** The classifier at `uri`, loaded once per process. */
export function loadClassifier(uri: string): Promise<Classifier> {
  let classifier = loaded.get(uri);
  if (!classifier) {
    classifier = openClassifier(uri);
    classifier.catch(() => loaded.delete(uri));
    loaded.set(uri, classifier);
  }
  return classifier;
}

async function openClassifier(uri: string): Promise<Classifier> {
  const folder = await loadModelFolder(uri);
  assertListed(folder.files, CLASSIFIER_FILES, uri);
  const config = await readModelJson(folder, 'config.json', classifierConfigSchema);
  const ids = Object.keys(config.id2label)
    .map(Number)
    .sort((a, b) => a - b);
  if (ids.some((id, i) => id !== i))
    throw new ModelError(`model file config.json of ${uri}: id2label ids must be 0..n-1`);
  const labels = ids.map((id) => config.id2label[String(id)]!);
  const processor = await readModelJson(folder, 'preprocessor_config.json', imageProcessorSchema);
  const session = await sessionFor(folder, 'onnx/model.onnx');
  assertSignature(session, folder, 'onnx/model.onnx', ['pixel_values'], ['logits']);
  return {
    folder,
    labels,
    preprocessor: createPreprocessor(processor, `model file preprocessor_config.json of ${uri}`),
    activation: activationFor(labels.length, config.problem_type),
    session,
    ort: await loadOrt(),
  };
}

/** Scores per image (label order) for a batch of preprocessed images. */
export async function classifyPixels(
  classifier: Classifier,
  pixels: Float32Array,
  batch: number,
): Promise<number[][]> {
  const { height, width } = classifier.preprocessor;
  const input = new classifier.ort.Tensor(
    'float32',
    pixels.subarray(0, batch * 3 * height * width),
    [batch, 3, height, width],
  );
  const { logits } = await classifier.session.run({ pixel_values: input }, ['logits']);
  const values = logits!.data as Float32Array;
  const n = classifier.labels.length;
  if (values.length !== batch * n)
    throw new ModelError(
      `model file onnx/model.onnx of ${classifier.folder.uri}: logits have ${values.length} values, expected ${batch} × ${n} labels`,
    );
  const scores: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const row = Array.from(values.subarray(b * n, (b + 1) * n));
    scores.push(classifier.activation === 'softmax' ? softmax(row) : row.map(sigmoid));
  }
  return scores;
}

/**
 * As transformers' image-classification pipeline: sigmoid for multi-label models and for a
 * single logit (softmax over one value is always 1), else softmax.
 */
export function activationFor(
  labelCount: number,
  problemType: string | null | undefined,
): 'softmax' | 'sigmoid' {
  return problemType === 'multi_label_classification' || labelCount === 1 ? 'sigmoid' : 'softmax';
}

export function softmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const exps = row.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
