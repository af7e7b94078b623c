/**
 * The measurement behind image.blur's and image.low_information's defaults
 * (docs/operators.md, "Image quality"): the variance of the Laplacian and the grey-level
 * standard deviation of the operators' grey copy, for scikit-image's photographs at 512 px
 * (JPEG q90), the same photographs blurred (Gaussian, sigma 1–4 px at 512 px), and
 * near-uniform images (flat colours and faint gradients as JPEG q75, with and without noise).
 *
 *   node --import tsx scripts/measure-image-quality.ts
 */
import sharp from 'sharp';
import { greyFromPixels, greyStats, laplacianVariance } from '../lambdas/ops/grey-copy';
import { nearUniformJpeg, photoJpeg } from '../test/fixtures/quality-images';
import { SKIMAGE_PHOTOS, skimagePhoto } from '../test/fixtures/skimage-photos';

const SIDE = 512;

/** As the operators see an image after image.resize: its decoded pixels, then the grey copy. */
async function measure(jpeg: Buffer): Promise<{ variance: number; std: number }> {
  const { data, info } = await sharp(jpeg).rotate().raw().toBuffer({ resolveWithObject: true });
  const grey = greyFromPixels({ ...info, data });
  return { variance: laplacianVariance(grey), std: greyStats(grey).std };
}

function row(label: string, values: readonly { variance: number; std: number }[]): void {
  const v = values.map((m) => m.variance).sort((a, b) => a - b);
  const s = values.map((m) => m.std).sort((a, b) => a - b);
  const fmt = (x: number) => x.toFixed(1).padStart(8);
  console.log(
    `${label.padEnd(34)} ${String(values.length).padStart(3)}  laplacian var min ${fmt(v[0]!)} median ${fmt(v[v.length >> 1]!)} max ${fmt(v.at(-1)!)}   grey std min ${fmt(s[0]!)} max ${fmt(s.at(-1)!)}`,
  );
}

async function main(): Promise<void> {
  const photos = await Promise.all(SKIMAGE_PHOTOS.map((name) => skimagePhoto(name)));
  const at = async (sigma: number) =>
    Promise.all(photos.map(async (p) => measure(await photoJpeg(p, SIDE, sigma))));
  row('photos, sharp', await at(0));
  for (const sigma of [1, 1.5, 2, 3, 4])
    row(`photos, Gaussian blur sigma ${sigma}`, await at(sigma));
  const uniform = async (gradient: number, noise: number) =>
    Promise.all(
      Array.from({ length: 10 }, async (_, i) =>
        measure(await nearUniformJpeg(i + 1, { side: SIDE, gradient, noise })),
      ),
    );
  row('flat colour, JPEG q75', await uniform(0, 0));
  row('flat colour + noise ±4, JPEG q75', await uniform(0, 4));
  row('faint gradient (20 levels) + noise ±4', await uniform(20, 4));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
