/**
 * `npm run check:nsfwjs [-- [--model <dir>] [--images a.png,b.jpg] [--json]]`: scores of the
 * converted NSFW model (models/nsfw-mobilenet-v2) against nsfwjs' own TF.js run on
 * scikit-image's photographs (all of SKIMAGE_PHOTOS by default); exits 1 when any score
 * differs by more than 1e-4. `--json` prints the rows as JSON (the test reads them).
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  SKIMAGE_PHOTOS,
  skimagePhoto,
  type SkimagePhoto,
} from '../../test/fixtures/skimage-photos';
import { compareWithNsfwjs } from './nsfwjs-parity';

const TOLERANCE = 1e-4;
const LABELS = ['drawings', 'hentai', 'neutral', 'porn', 'sexy'];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'models/nsfw-mobilenet-v2' },
      images: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const names = (values.images?.split(',') ?? SKIMAGE_PHOTOS) as SkimagePhoto[];
  const images = await Promise.all(
    names.map(async (name) => ({ name, bytes: await skimagePhoto(name) })),
  );
  const rows = await compareWithNsfwjs(path.resolve(values.model), images);
  if (values.json) {
    console.log(JSON.stringify(rows));
    return;
  }
  console.log(`image                  ${LABELS.map((l) => l.padStart(9)).join(' ')}   max |diff|`);
  for (const row of rows)
    console.log(
      `${row.name.padEnd(22)} ${row.onnx.map((s) => s.toFixed(6).padStart(9)).join(' ')}   ${row.maxAbsDiff.toExponential(2)}`,
    );
  const worst = Math.max(...rows.map((r) => r.maxAbsDiff));
  console.log(`worst max |onnx - nsfwjs| over ${rows.length} images: ${worst.toExponential(2)}`);
  if (!(worst <= TOLERANCE)) {
    console.error(`FAIL: above ${TOLERANCE}`);
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
