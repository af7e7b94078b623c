/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * Images with alpha are preprocessed as transformers does (PIL `convert("RGB")`): alpha is
 * dropped and the colour under a transparent pixel is kept, not blackened by resizing with
 * premultiplied alpha.
 */
import sharp from 'sharp';
import { imageProcessorSchema } from '../../lambdas/models/config';
import { createPreprocessor } from '../../lambdas/models/preprocess';

const config = imageProcessorSchema.parse({ size: { height: 32, width: 32 }, resample: 2 });
const preprocessor = createPreprocessor(config, 'test');

/** A 64×64 image of one RGBA colour (resized to 32×32, so the resize really runs). */
function solid(rgba: readonly [number, number, number, number]): Promise<Buffer> {
  const pixels = Buffer.alloc(64 * 64 * 4);
  for (let i = 0; i < pixels.length; i += 4) pixels.set(rgba, i);
  return sharp(pixels, { raw: { width: 64, height: 64, channels: 4 } })
    .png()
    .toBuffer();
}

async function planes(bytes: Buffer): Promise<[number, number, number]> {
  const out = new Float32Array(preprocessor.imageLength);
  await preprocessor.into(bytes, out, 0);
  const plane = preprocessor.height * preprocessor.width;
  // The centre pixel of each channel plane.
  const centre = 16 * preprocessor.width + 16;
  return [out[centre]!, out[plane + centre]!, out[2 * plane + centre]!];
}

describe('preprocessing images with alpha', () => {
  it('keeps the colour of fully transparent red pixels (normalised R equals opaque red)', async () => {
    const opaque = await planes(await solid([255, 0, 0, 255]));
    expect(opaque).toEqual([1, -1, -1]);
    expect(await planes(await solid([255, 0, 0, 0]))).toEqual(opaque);
  });

  it('keeps the colour of half-transparent pixels and of opaque JPEG-less PNGs', async () => {
    expect(await planes(await solid([0, 255, 0, 128]))).toEqual([-1, 1, -1]);
    const rgb = await sharp({
      create: { width: 64, height: 64, channels: 3, background: { r: 0, g: 0, b: 255 } },
    })
      .png()
      .toBuffer();
    expect(await planes(rgb)).toEqual([-1, -1, 1]);
  });
});
