/**
 * The Lambda assets of pipelines/cauldron.ts, really bundled (esbuild, no Docker) into a temp
 * folder: every unzipped asset is under Lambda's 250 MB, the caption function carries
 * onnxruntime-node's linux-x64 binaries and no other platform's, no function carries a model,
 * and the bundled handlers run a shard from outside this checkout — curate without
 * onnxruntime-node, the run-wide URL frequency dedup (hash, plan, resolve, filter), caption with
 * the copy beside its bundle and the fixture models.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ShardResult, ShardTask } from '../../core/contracts';
import type { DedupEvent, DedupPlan } from '../../core/dedup-contracts';
import { toLocation } from '../../core/uri';
import { LAMBDA_X86_64 } from '../../infra/cdk/native-modules';
import { ONNXRUNTIME_BINDING, onnxruntimeRuntimePaths } from '../../infra/cdk/onnxruntime-files';
import { PipelineStack, stackNameOf } from '../../infra/cdk/pipeline-stack';
import { stageLayoutOf } from '../../infra/compiler';
import cauldron from '../../pipelines/cauldron';
import { readShard } from '../../lambdas/shards/tar-reader';
import { makeSampleShards } from '../fixtures/sample-shards';
import { PROJECT_ROOT } from './helpers';

const LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024;
const FIXTURE_MODELS = path.join(PROJECT_ROOT, 'test', 'fixtures', 'models');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.isFile() ? [full] : [];
  });
}

const bytesUnder = (dir: string): number =>
  filesUnder(dir).reduce((sum, file) => sum + fs.statSync(file).size, 0);

describe("onnxruntime-node's files for Lambda x86_64", () => {
  test('its package.json and dist, the linux/x64 binding folder and onnxruntime-common', () => {
    expect(onnxruntimeRuntimePaths(PROJECT_ROOT, LAMBDA_X86_64)).toEqual([
      'node_modules/onnxruntime-node/package.json',
      'node_modules/onnxruntime-node/dist',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64',
      'node_modules/onnxruntime-common',
    ]);
  });

  test('a platform it has no binding for is named', () => {
    expect(() =>
      onnxruntimeRuntimePaths(PROJECT_ROOT, { os: 'linux', cpu: 'ppc64', libc: 'glibc' }),
    ).toThrow(
      `node_modules/onnxruntime-node/bin/napi-v6/linux/ppc64/${ONNXRUNTIME_BINDING} is missing, so the Lambda (linux-ppc64) could not load onnxruntime-node; reinstall it (npm ci)`,
    );
  });
});

describe('bundled assets of pipeline cauldron (real esbuild, no Docker)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-model-assets-'));
  const outdir = path.join(dir, 'cdk.out');
  let template: Template;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    const app = new App({ outdir });
    const stack = new PipelineStack(app, stackNameOf(cauldron.name), {
      pipeline: cauldron,
      pipelineFile: path.join(PROJECT_ROOT, 'pipelines', 'cauldron.ts'),
      projectRoot: PROJECT_ROOT,
    });
    template = Template.fromStack(stack);
  }, 300_000);

  /** Unzipped asset folder of each stage function, by name. */
  const assets = (): Map<string, string> =>
    new Map(
      Object.values(template.findResources('AWS::Lambda::Function'))
        .filter((fn) => String(fn.Properties.Description ?? '').startsWith('vlmflow cauldron: '))
        .map((fn) => [
          String(fn.Properties.Description).slice('vlmflow cauldron: '.length),
          path.join(outdir, `asset.${String(fn.Properties.Code.S3Key).replace(/\.zip$/, '')}`),
        ]),
    );

  test('every unzipped asset is under 250 MB, and none carries a model', () => {
    const found = assets();
    expect([...found.keys()].sort()).toEqual([
      'caption',
      'curate',
      'dedup',
      'finalize',
      'plan',
      'summary',
    ]);
    for (const [name, asset] of found) {
      expect([name, bytesUnder(asset) < LAMBDA_UNZIPPED_LIMIT]).toEqual([name, true]);
      expect([name, filesUnder(asset).filter((f) => f.endsWith('.onnx'))]).toEqual([name, []]);
    }
  });

  test("caption carries onnxruntime's linux-x64 binaries only; curate carries none", () => {
    const caption = assets().get('caption')!;
    const ort = path.join(caption, 'node_modules', 'onnxruntime-node');
    expect(fs.readdirSync(path.join(ort, 'bin', 'napi-v6'))).toEqual(['linux']);
    expect(fs.readdirSync(path.join(ort, 'bin', 'napi-v6', 'linux'))).toEqual(['x64']);
    expect(fs.readdirSync(path.join(ort, 'bin', 'napi-v6', 'linux', 'x64')).sort()).toEqual([
      'libonnxruntime.so.1',
      ONNXRUNTIME_BINDING,
    ]);
    const foreign = filesUnder(caption).filter((file) =>
      /[/\\](darwin|win32|arm64)[/\\]|\.(dylib|dll)$/.test(path.relative(caption, file)),
    );
    expect(foreign).toEqual([]);
    // Install-script dependencies (adm-zip, global-agent) stay behind.
    expect(fs.readdirSync(path.join(caption, 'node_modules')).sort()).toEqual(
      expect.not.arrayContaining(['adm-zip', 'global-agent']),
    );
    expect(fs.existsSync(path.join(caption, 'node_modules', 'onnxruntime-common'))).toBe(true);
    // sharp's linux-x64 build still rides along (model preprocessing decodes with it).
    expect(fs.existsSync(path.join(caption, 'node_modules/@img/sharp-linux-x64'))).toBe(true);

    const curate = assets().get('curate')!;
    expect(fs.existsSync(path.join(curate, 'node_modules', 'onnxruntime-node'))).toBe(false);
  });

  test('the bundled curate, dedup and caption handlers run a shard from outside this checkout', async () => {
    const input = path.join(dir, 'input');
    const { paths, sampleKinds } = await makeSampleShards(input, {
      shards: 1,
      samplesPerShard: 8,
      seed: 17,
      broken: false,
    });
    const [source] = cauldron.graph.sources;
    const layout = stageLayoutOf(source!);
    const [frequency] = layout.dedups;
    const params = Object.fromEntries(
      Object.entries(cauldron.graph.params).map(([name, spec]) => [name, spec.default]),
    );
    const task: ShardTask = {
      pipeline: cauldron.name,
      stage: 'pairs',
      runId: 'assets',
      runRoot: `file://${path.join(dir, 'runs', 'cauldron', 'assets')}`,
      params: {
        ...params,
        // The relative fixture defaults resolve against the working directory: the asset here.
        nsfwModel: path.join(FIXTURE_MODELS, 'nsfw-tiny'),
        clipModel: path.join(FIXTURE_MODELS, 'clip-tiny'),
        captionModel: path.join(FIXTURE_MODELS, 'caption-tiny'),
        // The generated pictures are smooth (blurry by the default) and the CLIP fixture's
        // scores noise: this test is about the bundles, so those filters let everything by.
        blurMinVariance: 0,
        clipMinScore: -1,
        // One resolve task rather than 64 bundled processes.
        dedupPartitions: 1,
      },
      item: { key: 'pairs-000000', uri: `file://${paths[0]}` },
      segments: layout.segments,
    };
    expect(task.segments.map((s) => s.fn)).toEqual(['curate', 'curate', 'caption']);

    // What the compiled maps do for one shard: curate, hash, plan, resolve, filter, caption.
    const curated = invokeBundled<ShardResult>(assets().get('curate')!, { task, segment: 0 }, dir);
    const dedup = assets().get('dedup')!;
    const { segment, name, prefix, args } = frequency!;
    const use = { segment, name, prefix, args };
    invokeBundled(dedup, { action: 'hash', task, dedup: use }, dir);
    const allShards = path.join(dir, 'all-shards.json');
    fs.writeFileSync(allShards, JSON.stringify([task.item]));
    const plan = invokeBundled<DedupPlan>(
      dedup,
      {
        action: 'plan',
        pipeline: task.pipeline,
        stage: task.stage,
        runRoot: task.runRoot,
        params: task.params,
        allShards: toLocation(`file://${allShards}`),
        dedup: use,
      },
      dir,
    );
    expect(plan).toMatchObject({ shards: 1, partitions: 1, pending: 1 });
    const run = { config: plan.config, generation: plan.generation, name: plan.name };
    invokeBundled(
      dedup,
      {
        action: 'resolve',
        stage: task.stage,
        runRoot: task.runRoot,
        dedup: run,
        item: { band: 0, partition: 0, name: 'b00-p0000' },
      },
      dir,
    );
    const filtered = invokeBundled<ShardResult>(
      dedup,
      { action: 'filter', task: { ...task, dedup: run }, segment: 1 },
      dir,
    );
    expect(filtered.in).toBe(curated.kept);
    const captioned = invokeBundled<ShardResult>(
      assets().get('caption')!,
      { task, segment: 2 },
      dir,
    );
    const ok = Object.values(sampleKinds).filter((kind) => kind === 'ok').length;
    expect(curated).toMatchObject({ in: 8 });
    expect(captioned).toMatchObject({ in: 8, stage: 'pairs' });
    expect(captioned!.kept).toBeGreaterThan(0);
    expect(captioned!.kept).toBeLessThanOrEqual(ok);

    // The models really ran: scores and the caption model's identity in every kept sample.
    const manifestSha256 = createHash('sha256')
      .update(fs.readFileSync(path.join(FIXTURE_MODELS, 'caption-tiny', 'SHA256SUMS')))
      .digest('hex');
    const keptShard = path.join(dir, 'runs/cauldron/assets/stages/pairs/pairs-000000.tar');
    let samples = 0;
    for await (const record of readShard(fs.createReadStream(keptShard))) {
      if (record.kind !== 'sample') continue;
      samples += 1;
      const json = JSON.parse(record.sample.parts.json!.toString('utf8')) as {
        vlmflow: { stats: { 'model.classify': { scores: Record<string, number> } } };
        caption_model: { sha256: string };
        alt_text: string;
      };
      expect(Object.keys(json.vlmflow.stats['model.classify'].scores).sort()).toEqual([
        'drawings',
        'hentai',
        'neutral',
        'porn',
        'sexy',
      ]);
      expect(json.caption_model.sha256).toBe(manifestSha256);
      expect(typeof json.alt_text).toBe('string');
    }
    expect(samples).toBe(captioned!.kept);
  }, 300_000);
});

/**
 * Runs `handler` of `<asset>/index.js` in a fresh Node whose working directory is the asset
 * (no NODE_PATH): only what the asset carries can load.
 */
function invokeBundled<T = unknown>(
  asset: string,
  event: { segment: number } | DedupEvent,
  tmp: string,
): T {
  const out = path.join(tmp, `result-${'action' in event ? event.action : event.segment}.json`);
  const script = [
    "const fs = require('node:fs');",
    "const { handler } = require('./index.js');",
    "const context = { functionName: 'test', awsRequestId: 'test', invokedFunctionArn: 'arn:test' };",
    'handler(JSON.parse(process.argv[1]), context)',
    '  .then((result) => fs.writeFileSync(process.argv[2], JSON.stringify(result)))',
    '  .catch((error) => { console.error(error); process.exit(1); });',
  ].join('\n');
  const run = spawnSync(process.execPath, ['-e', script, JSON.stringify(event), out], {
    cwd: asset,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      NODE_PATH: '',
      VLMFLOW_MODEL_CACHE: path.join(tmp, 'model-cache'),
      POWERTOOLS_METRICS_NAMESPACE: 'vlmflow-test',
    },
  });
  if (run.status !== 0) throw new Error(`${path.basename(asset)} failed:\n${run.stderr}`);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as T;
}
