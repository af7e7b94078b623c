/**
 * @jest-environment ./test/models/onnx-environment.ts
 */
/**
 * The default NSFW model (models/nsfw-mobilenet-v2, nsfwjs' MobileNetV2 converted to ONNX):
 * it loads through the verified model cache, scores equal nsfwjs' own TF.js run to 1e-4 on
 * real photographs, cauldron uses it by default, and a fixture model's output says it is one.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { loadClassifier } from '../../lambdas/models/classifier';
import { releaseSessions } from '../../lambdas/models/session';
import { modelClassify } from '../../lambdas/ops/model-classify';
import cauldron, { DEFAULT_NSFW_MODEL } from '../../pipelines/cauldron';
import type { ParityRow } from '../../scripts/models/nsfwjs-parity';
import { skimagePhoto } from '../fixtures/skimage-photos';
import { NSFW_TINY, jsonOf, scratch } from './helpers';
import { instanceOf, kept, sampleOf } from '../ops/helpers';

const ROOT = path.resolve(__dirname, '../..');
const NSFW_MODEL = path.join(ROOT, DEFAULT_NSFW_MODEL);
let work: Awaited<ReturnType<typeof scratch>>;

beforeAll(async () => {
  work = await scratch();
  process.env.VLMFLOW_MODEL_CACHE = work.dir;
});
afterAll(async () => {
  await releaseSessions();
  await work.remove();
});

describe('default NSFW model', () => {
  it('is cauldron’s default nsfwModel and has the nsfwjs labels', async () => {
    expect(cauldron.graph.params.nsfwModel?.default).toBe(DEFAULT_NSFW_MODEL);
    const classifier = await loadClassifier(NSFW_MODEL);
    expect(classifier.labels).toEqual(['drawings', 'hentai', 'neutral', 'porn', 'sexy']);
    expect([classifier.preprocessor.height, classifier.preprocessor.width]).toEqual([224, 224]);
  });

  it('scores real photographs as nsfwjs’ own TF.js run does, to 1e-4', async () => {
    // In its own process: TF.js' CPU kernels run ~10x slower inside jest's sandbox.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/models/check-nsfwjs.ts',
        '--model',
        NSFW_MODEL,
        '--images',
        'astronaut.png,chelsea.png,rocket.jpg',
        '--json',
      ],
      { cwd: ROOT, env: { ...process.env, VLMFLOW_MODEL_CACHE: work.dir } },
    );
    const rows = JSON.parse(stdout.trim().split('\n').at(-1)!) as ParityRow[];
    expect(rows.map((r) => r.name)).toEqual(['astronaut.png', 'chelsea.png', 'rocket.jpg']);
    for (const row of rows) {
      expect(row.maxAbsDiff).toBeLessThan(1e-4);
      // Ordinary photographs: neutral or drawing, nothing explicit.
      expect(row.onnx[3]! + row.onnx[1]!).toBeLessThan(0.1);
    }
  }, 300_000);

  it('records the model in json; a fixture model is marked as random weights, the real one not', async () => {
    const sample = sampleOf({ jpg: await skimagePhoto('rocket.jpg'), txt: 'a rocket' });
    for (const [model, random] of [
      [NSFW_MODEL, false],
      [NSFW_TINY, true],
    ] as const) {
      const op = await instanceOf(modelClassify, { model, thresholds: {} });
      const json = jsonOf(kept(await op.process(sample)));
      const record = json.nsfw_model as Record<string, unknown>;
      expect(record.model).toBe(model);
      expect(record.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(record.random_weights).toBe(random ? true : undefined);
    }
  });
});
