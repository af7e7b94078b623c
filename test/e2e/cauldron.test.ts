/**
 * The Idefics2 pairs recipe end to end on one machine: generated shards → `vlmflow run cauldron
 * --local` → curation, the NSFW classifier (the committed nsfwjs MobileNetV2) and the captioner
 * (the committed fixture model), real onnxruntime-node inference → captioned shards with the alt-text kept → the connector
 * trained on them (tiny models, two CPU steps).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { RunSummary, ShardStats } from '../../core/contracts';
import { readShard } from '../../lambdas/shards/tar-reader';
import { segmentsOf } from '../../infra/compiler';
import { ensurePython } from '../../infra/local/python-env';
import cauldron from '../../pipelines/cauldron';
import { MODEL_ASSETS } from '../../infra/cdk/model-assets';
import {
  EXPECTED_REJECTION,
  makeSampleShards,
  type SampleShardsInfo,
} from '../fixtures/sample-shards';
import { localRunArgs, ROOT, vlmflow as runCli } from '../helpers/cli';

const NSFW_LABELS = ['drawings', 'hentai', 'neutral', 'porn', 'sexy'];
const CAPTION_MODEL = 'test/fixtures/models/caption-tiny';
// Tiny models run fastest on one thread, and the machine's cores are shared with the curation.
const ONE_THREAD = { OMP_NUM_THREADS: '1' };
const vlmflow = (args: string[]) => runCli(args, ONE_THREAD);

interface CaptionedJson {
  /** What the operators measured, by operator label (the shard loop writes it). */
  readonly vlmflow?: {
    readonly stats: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  };
  readonly alt_text?: string;
  readonly synthetic_caption?: string;
  readonly caption_model?: {
    readonly model: string;
    readonly sha256: string;
    readonly max_new_tokens: number;
    readonly num_beams: number;
  };
}

interface KeptSample {
  readonly txt: string;
  readonly json: CaptionedJson;
}

const sum = (counts: Readonly<Record<string, number>>) =>
  Object.values(counts).reduce((a, b) => a + b, 0);

/** key → txt of every sample of the tars under `dir`. */
async function captionsIn(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tar')).sort()) {
    for await (const r of readShard(createReadStream(path.join(dir, file)))) {
      if (r.kind === 'sample' && r.sample.parts.txt)
        out.set(r.sample.key, r.sample.parts.txt.toString('utf8'));
    }
  }
  return out;
}

/** key → kept sample (txt and json) of one run's stage shards. */
async function keptSamples(runRoot: string): Promise<Map<string, KeptSample>> {
  const dir = path.join(runRoot, 'stages', 'pairs');
  const out = new Map<string, KeptSample>();
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.tar')).sort()) {
    for await (const r of readShard(createReadStream(path.join(dir, file)))) {
      if (r.kind !== 'sample') continue;
      out.set(r.sample.key, {
        txt: r.sample.parts.txt!.toString('utf8'),
        json: JSON.parse(r.sample.parts.json!.toString('utf8')) as CaptionedJson,
      });
    }
  }
  return out;
}

describe('pipeline cauldron', () => {
  it('defaults its model parameters to folders the stack deploys (the real NSFW model, the fixture captioner)', () => {
    const { nsfwModel, captionModel } = cauldron.graph.params;
    expect([nsfwModel?.default, captionModel?.default]).toEqual([
      'models/nsfw-mobilenet-v2',
      'models/caption-tiny',
    ]);
    expect(MODEL_ASSETS['models/caption-tiny']).toBe(CAPTION_MODEL);
    for (const key of [nsfwModel!.default, captionModel!.default])
      expect(existsSync(path.join(ROOT, MODEL_ASSETS[String(key)]!, 'SHA256SUMS'))).toBe(true);
  });

  it('runs the model operators in one caption task per shard, after the curation and the run-wide URL frequency dedup', () => {
    const [curation, frequency, models, ...more] = segmentsOf(cauldron.graph.sources[0]!);
    expect(more).toEqual([]);
    expect([curation?.fn, curation?.ops.at(-1)?.op]).toEqual(['curate', 'dedup.phash']);
    expect(frequency?.ops.map((use) => use.op)).toEqual(['dedup.frequency']);
    expect([models?.fn, models?.ops.map((use) => use.op)]).toEqual([
      'caption',
      ['model.classify', 'model.clip_score', 'caption.generate'],
    ]);
  });
});

describe('vlmflow run cauldron --local', () => {
  let dir: string;
  let input: string;
  let workdir: string;
  let info: SampleShardsInfo;
  let originals: Map<string, string>;

  const runPipeline = (runId: string, ...params: string[]) =>
    vlmflow(localRunArgs('cauldron', { input, workdir, runId, params }));
  const runRootOf = (runId: string) => path.join(workdir, 'runs', 'cauldron', runId);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-cauldron-'));
    input = path.join(dir, 'input');
    workdir = path.join(dir, 'work');
    // The recipe's cases (real photos, blurred, uniform, other languages, mismatched captions).
    info = await makeSampleShards(input, {
      shards: 2,
      samplesPerShard: 26,
      seed: 5,
      curationCases: true,
    });
    originals = await captionsIn(input);
    // The connector trains between tiny frozen models, made where its config looks for them.
    const python = await ensurePython();
    await promisify(execFile)(
      python,
      ['-m', 'resampler.tiny_models', '--out', path.join(workdir, 'models')],
      { cwd: path.join(ROOT, 'gpu-jobs', 'resampler'), env: { ...process.env, ...ONE_THREAD } },
    );
  }, 600_000);

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('default run: captions replace the alt-text, then training', () => {
    let summary: RunSummary;
    let kept: Map<string, KeptSample>;

    beforeAll(async () => {
      const result = await runPipeline('replace', 'trainSteps=2', 'batchSize=4');
      expect(result.stderr).not.toContain('Error');
      expect(result.code).toBe(0);
      summary = JSON.parse(result.stdout) as RunSummary;
      kept = await keptSamples(runRootOf('replace'));
    }, 600_000);

    it('succeeds; curation rejects exactly the malformed samples, the models only well-formed ones', () => {
      expect(summary.status).toBe('SUCCEEDED');
      const pairs = summary.stages.pairs!;
      expect(pairs.in).toBe(52);
      expect(pairs.in).toBe(pairs.kept + sum(pairs.rejected));
      const byModels = Object.entries(pairs.rejected).filter(([reason]) =>
        /^(model\.classify|caption\.generate):/.test(reason),
      );
      // The classifier may flag a few images; each reason names a label it has a threshold
      // for, and only an empty caption makes the captioner reject.
      for (const [reason] of byModels)
        expect([
          'model.classify:porn',
          'model.classify:hentai',
          'model.clip_score:low_similarity',
          'caption.generate:empty_caption',
        ]).toContain(reason);
      const passing = Object.entries(info.kinds)
        .filter(([kind]) => EXPECTED_REJECTION[kind as keyof typeof EXPECTED_REJECTION] === null)
        .reduce((n, [, count]) => n + count, 0);
      expect(pairs.kept + sum(Object.fromEntries(byModels))).toBe(passing);
      const expected: Record<string, number> = {};
      for (const [kind, n] of Object.entries(info.kinds)) {
        const r = EXPECTED_REJECTION[kind as keyof typeof EXPECTED_REJECTION];
        if (r && n > 0)
          expected[`${r.op}:${r.reason}`] = (expected[`${r.op}:${r.reason}`] ?? 0) + n;
      }
      const byCuration = Object.entries(pairs.rejected).filter(
        ([reason]) => !byModels.some(([model]) => model === reason),
      );
      expect(Object.fromEntries(byCuration)).toEqual(expected);
      expect(kept.size).toBe(pairs.kept);
      expect(kept.size).toBeGreaterThan(0);
    });

    it('scores every kept sample with the classifier: all five labels, summing to 1', () => {
      for (const { json } of kept.values()) {
        const scores = json.vlmflow?.stats['model.classify']?.scores as Record<string, number>;
        expect(Object.keys(scores ?? {}).sort()).toEqual(NSFW_LABELS);
        expect(sum(scores)).toBeCloseTo(1, 4);
      }
    });

    it('replaces txt with the synthetic caption and keeps the original as json alt_text', async () => {
      const sha256 = createHash('sha256')
        .update(await readFile(path.join(ROOT, CAPTION_MODEL, 'SHA256SUMS')))
        .digest('hex');
      for (const [key, { txt, json }] of kept) {
        expect(json.alt_text).toBe(originals.get(key));
        expect(txt.trim()).not.toBe('');
        expect(json.synthetic_caption).toBeUndefined();
        expect(json.caption_model).toEqual({
          model: expect.stringContaining('caption-tiny') as unknown as string,
          sha256,
          random_weights: true,
          max_new_tokens: 30,
          num_beams: 1,
        });
      }
    });

    it('keeps in = kept + Σ rejected for every shard, and the shards hold exactly those samples', async () => {
      const statsDir = path.join(runRootOf('replace'), 'stats', 'pairs');
      const files = (await readdir(statsDir)).sort();
      expect(files).toEqual(['pairs-000000.json', 'pairs-000001.json']);
      let total = 0;
      for (const file of files) {
        const stats = JSON.parse(await readFile(path.join(statsDir, file), 'utf8')) as ShardStats;
        expect(stats.in).toBe(26);
        expect(stats.in).toBe(stats.kept + sum(stats.rejected));
        let inShard = 0;
        for await (const r of readShard(createReadStream(new URL(stats.output.uri))))
          if (r.kind === 'sample') inShard += 1;
        expect(inShard).toBe(stats.kept);
        total += stats.kept;
      }
      expect(total).toBe(kept.size);
    });

    it('trains the connector on the captioned pairs', async () => {
      const models = path.join(runRootOf('replace'), 'models', 'connector');
      expect(existsSync(path.join(models, 'connector.safetensors'))).toBe(true);
      const metrics = JSON.parse(await readFile(path.join(models, 'metrics.json'), 'utf8')) as {
        steps: number;
        loss: number[];
      };
      expect(metrics.steps).toBe(2);
      for (const loss of metrics.loss) expect(Number.isFinite(loss)).toBe(true);
    });

    it('vlmflow cost names the model timings it used, and prices a real model by --model', async () => {
      const cost = (...args: string[]) =>
        vlmflow(['cost', 'cauldron', '--samples', '1000000', '--workdir', workdir, ...args]);
      const measured = await cost();
      expect(measured.code).toBe(0);
      const clipLine = (out: string) =>
        out.split('\n').find((line) => line.trimStart().startsWith('model.clip_score'))!;
      expect(measured.stdout).toContain('model timings (ms per sample):');
      expect(clipLine(measured.stdout)).toContain(`measured in file://${runRootOf('replace')}`);
      expect(measured.stdout).toMatch(
        /warning: the measured run used random-weight test models \(.*clipModel=.*clip-tiny.*\)/,
      );
      const total = (out: string) => Number(/^total {2}\$([\d.]+)/m.exec(out)![1]);

      const real = await cost('--model', 'model.clip_score=clip-vit-base-patch32', '--json');
      expect(real.code).toBe(0);
      const estimate = JSON.parse(real.stdout) as {
        totalUsd: number;
        modelTimings: { op: string; msPerSample: number; source: string }[];
      };
      const clip = estimate.modelTimings.find((t) => t.op === 'model.clip_score')!;
      expect(clip.msPerSample).toBe(126.8);
      expect(clip.source).toContain('preset clip-vit-base-patch32');
      // 1,000,000 samples at 126.8 ms CPU more than the fixture: the compute line grows.
      expect(estimate.totalUsd).toBeGreaterThan(total(measured.stdout) + 1);

      // Another run's timing of the operator: here the same run, so the same total.
      const same = await cost('--model', `model.clip_score=${runRootOf('replace')}`);
      expect(total(same.stdout)).toBeCloseTo(total(measured.stdout), 4);

      const wrong = await cost('--model', 'model.classify=clip-vit-base-patch32');
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain(
        'preset clip-vit-base-patch32 times model.clip_score, not model.classify',
      );
      const unknown = await cost('--model', 'model.clip_score=clip-huge');
      expect(unknown.stderr).toContain(
        'no such preset; a run folder (with a "/") or one of: vit-base-patch16-224, clip-vit-base-patch32',
      );
    }, 120_000);

    it('keep_both leaves txt alone and adds the same deterministic caption as json synthetic_caption', async () => {
      const result = await runPipeline('keep-both', 'captionPolicy=keep_both', 'train=false');
      expect(result.code).toBe(0);
      const both = await keptSamples(runRootOf('keep-both'));
      expect([...both.keys()]).toEqual([...kept.keys()]);
      for (const [key, { txt, json }] of both) {
        expect(txt).toBe(originals.get(key));
        expect(json.alt_text).toBeUndefined();
        expect(json.synthetic_caption).toBe(kept.get(key)!.txt);
      }
      expect(existsSync(path.join(runRootOf('keep-both'), 'models'))).toBe(false);
    }, 600_000);
  });

  it('fails the shard with an error naming the file when the captioner is corrupt', async () => {
    const broken = path.join(dir, 'caption-broken');
    await cp(path.join(ROOT, CAPTION_MODEL), broken, { recursive: true });
    await writeFile(path.join(broken, 'tokenizer.json'), '{}');
    const result = await runPipeline('corrupt', `captionModel=${broken}`, 'train=false');
    expect(result.code).not.toBe(0);
    const failed = JSON.parse(result.stdout) as RunSummary;
    expect(failed.status).toBe('FAILED');
    expect(failed.failedShards).toEqual({ pairs: ['pairs-000000', 'pairs-000001'] });
    // Each failed shard's error, as the Distributed Map's ResultWriter records it: the map
    // that runs the captioner is the second (after the run-wide dedup), the first has none.
    const results = path.join(runRootOf('corrupt'), 'results', 'pairs');
    const failedRuns = (await readdir(results)).filter((run) =>
      existsSync(path.join(results, run, 'FAILED_0.json')),
    );
    expect(failedRuns).toHaveLength(1);
    const items = JSON.parse(
      await readFile(path.join(results, failedRuns[0]!, 'FAILED_0.json'), 'utf8'),
    ) as { Cause: string }[];
    expect(items).toHaveLength(2);
    for (const item of items) {
      const message = (JSON.parse(item.Cause) as { errorMessage: string }).errorMessage;
      expect(message).toContain('tokenizer.json');
    }
  }, 600_000);
});
