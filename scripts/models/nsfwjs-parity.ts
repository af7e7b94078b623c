/**
 * The converted NSFW model against nsfwjs' own TensorFlow.js run (CPU backend): both get the
 * same 224×224 RGB pixels, nsfwjs as the int tensor its `classify` takes (it divides by 255
 * itself), onnxruntime as `pixel_values` = pixels / 255 in CHW. Resizing is left out of the
 * comparison on purpose: nsfwjs resizes in TF.js, the operator with sharp.
 */
import sharp from 'sharp';
import { classifyPixels, loadClassifier } from '../../lambdas/models/classifier';

const SIZE = 224;
/** nsfwjs' NSFW_CLASSES in output order; our labels are the same, lower-case, plural drawings. */
const NSFWJS_CLASSES = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];

export interface ParityRow {
  readonly name: string;
  readonly nsfwjs: readonly number[];
  readonly onnx: readonly number[];
  readonly maxAbsDiff: number;
}

interface NsfwjsModel {
  classify(image: unknown, topk?: number): Promise<{ className: string; probability: number }[]>;
}

/** 224×224 RGB bytes of an image (EXIF-oriented, alpha dropped). */
export async function rgb224(bytes: Buffer): Promise<Uint8Array> {
  const data = await sharp(bytes)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(SIZE, SIZE, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  if (data.length !== SIZE * SIZE * 3) throw new Error(`expected RGB, got ${data.length} bytes`);
  return data;
}

export async function compareWithNsfwjs(
  modelDir: string,
  images: readonly { readonly name: string; readonly bytes: Buffer }[],
): Promise<ParityRow[]> {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const nsfwjs = (await import('nsfwjs')) as unknown as {
    load(name: string): Promise<NsfwjsModel>;
  };
  const reference = await nsfwjs.load('MobileNetV2');
  const classifier = await loadClassifier(modelDir);
  const rows: ParityRow[] = [];
  for (const { name, bytes } of images) {
    const pixels = await rgb224(bytes);
    const tensor = tf.tensor3d(Int32Array.from(pixels), [SIZE, SIZE, 3], 'int32');
    const ranked = await reference.classify(tensor, NSFWJS_CLASSES.length);
    tensor.dispose();
    const expected = NSFWJS_CLASSES.map(
      (c) => ranked.find((r) => r.className === c)?.probability ?? NaN,
    );
    const chw = new Float32Array(3 * SIZE * SIZE);
    for (let i = 0; i < SIZE * SIZE; i++)
      for (let c = 0; c < 3; c++) chw[c * SIZE * SIZE + i] = pixels[i * 3 + c]! / 255;
    const [got] = await classifyPixels(classifier, chw, 1);
    const maxAbsDiff = Math.max(...expected.map((e, i) => Math.abs(e - got![i]!)));
    rows.push({ name, nsfwjs: expected, onnx: got!, maxAbsDiff });
  }
  return rows;
}
