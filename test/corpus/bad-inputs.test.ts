/**
 * The bad-input corpus (test/fixtures/bad-inputs.ts) through the real curate handler, with the
 * event the compiled pairs-basic state machine sends: every record ends kept or rejected with
 * exactly the expected operator and reason, nothing crashes, nothing is written outside the
 * run folder, and in = kept + Σ rejected.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ShardStats } from '../../core/contracts';
import { handler } from '../../lambdas/handlers/curate';
import { resolveParams } from '../../core/params';
import type { Sample } from '../../core/ops/sample';
import { readShard } from '../../lambdas/shards/tar-reader';
import { toFileUri } from '../../core/uri';
import { segmentsOf } from '../../infra/compiler';
import pairsBasic from '../../pipelines/pairs-basic';
import { makeBadInputs, type BadInputs } from '../fixtures/bad-inputs';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

async function samplesOf(file: string): Promise<Sample[]> {
  const out: Sample[] = [];
  for await (const record of readShard(createReadStream(file))) {
    if (record.kind === 'sample') out.push(record.sample);
  }
  return out;
}

describe('bad-input corpus through the curate handler (pairs-basic)', () => {
  let root: string;
  let corpus: BadInputs;
  let stats: ShardStats;
  let runRoot: string;
  let before: string[];
  let kept: Sample[];
  let rejects: Sample[];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vlmflow-corpus-'));
    corpus = await makeBadInputs(path.join(root, 'input'));
    before = await filesUnder(root);
    runRoot = toFileUri(path.join(root, 'runs', 'pairs-basic', 'corpus'));
    const source = pairsBasic.graph.sources[0]!;
    await handler({
      task: {
        pipeline: pairsBasic.name,
        stage: source.name,
        runId: 'corpus',
        runRoot,
        params: resolveParams(pairsBasic.graph.params, corpus.params),
        item: { key: 'bad-000000', uri: toFileUri(corpus.shard) },
        segments: segmentsOf(source),
      },
      segment: 0,
    });
    const statsFile = path.join(root, 'runs/pairs-basic/corpus/stats/pairs/bad-000000.json');
    stats = JSON.parse(await readFile(statsFile, 'utf8')) as ShardStats;
    kept = await samplesOf(new URL(stats.output.uri).pathname);
    rejects = await samplesOf(new URL(stats.rejects.uri).pathname);
  }, 120_000);

  it('gives every record exactly its expected outcome', () => {
    const outcome = (key: string, expected: BadInputs['cases'][number]['expected']) =>
      expected === 'kept' ? `${key} kept` : `${key} ${expected.op}:${expected.reason}`;
    const want = corpus.cases.map((c) => outcome(c.key, c.expected)).sort();
    const got = [
      ...kept.map((s) => `${s.key} kept`),
      ...rejects.map((s) => {
        const tag = (
          JSON.parse(s.parts.json!.toString('utf8')) as {
            reject: { op: string; reason: string; key?: string };
          }
        ).reject;
        return `${tag.key ?? s.key} ${tag.op}:${tag.reason}`;
      }),
    ].sort();
    expect(got).toEqual(want);
  });

  it('counts in = kept + Σ rejected, with one count per expected reason', () => {
    const expected: Record<string, number> = {};
    for (const { expected: e } of corpus.cases) {
      if (e !== 'kept')
        expected[`${e.op}:${e.reason}`] = (expected[`${e.op}:${e.reason}`] ?? 0) + 1;
    }
    const rejected = Object.values(stats.rejected).reduce((a, b) => a + b, 0);
    expect(stats.in).toBe(corpus.cases.length);
    expect(stats.in).toBe(stats.kept + rejected);
    expect(stats.rejected).toEqual(expected);
    expect(stats.kept).toBe(corpus.cases.filter((c) => c.expected === 'kept').length);
  });

  it('writes kept images as upright 8-bit sRGB JPEGs without metadata, within 980 px', async () => {
    expect(kept.map((s) => Object.keys(s.parts).sort())).toEqual(
      kept.map(() => ['jpg', 'json', 'txt']),
    );
    for (const sample of kept) {
      const meta = await sharp(sample.parts.jpg!).metadata();
      expect([meta.format, meta.space, meta.depth, meta.exif, meta.pages ?? 1]).toEqual([
        'jpeg',
        'srgb',
        'uchar',
        undefined,
        1,
      ]);
      expect(Math.max(meta.width, meta.height)).toBeLessThanOrEqual(980);
    }
    const rotated = kept.find((s) => s.key === 'exif_rotated')!;
    const meta = await sharp(rotated.parts.jpg!).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([400, 600, undefined]);
  });

  it('keeps "__proto__" metadata as plain data and pollutes nothing', () => {
    const proto = kept.find((s) => s.key === 'proto_json')!;
    const json = JSON.parse(proto.parts.json!.toString('utf8')) as Record<string, unknown>;
    expect(Object.hasOwn(json, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('writes nothing outside the run folder', async () => {
    const after = await filesUnder(root);
    const added = after.filter((f) => !before.includes(f));
    expect(added.length).toBeGreaterThan(0);
    for (const file of added)
      expect(file.startsWith(path.join('runs', 'pairs-basic', 'corpus') + path.sep)).toBe(true);
    expect(after.filter((f) => path.basename(f).startsWith('escape'))).toEqual([]);
    expect(await readdir(path.dirname(root))).not.toContain('escape.jpg');
  });
});
