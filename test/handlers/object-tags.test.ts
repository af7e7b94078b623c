/**
 * Which objects a run tags for the bucket's lifecycle rules: a whole run of the dedup fixture
 * (plan, a stage split into segments around a run-scoped dedup, hash, resolve, filter,
 * finalize, summary) in-process, over a Storage that records every write's tags. Each object
 * must carry the kind its place in the run layout implies, and nothing else may be tagged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compile } from '../../infra/compiler';
import { runLocal } from '../../infra/local/runner';
import { OBJECT_KIND_TAG, type ObjectKind } from '../../core/object-tags';
import { FileStorage } from '../../lambdas/shards/file-storage';
import { setStorageForScheme, type WriteOptions } from '../../lambdas/shards/storage';
import { toFilePath } from '../../core/uri';
import dedupRun from '../fixtures/pipelines/dedup-run';
import { makeDedupShards } from '../dedup/shards';

const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'pipelines', 'dedup-run.ts');

/** A FileStorage that remembers the tags each write asked for. */
class RecordingStorage extends FileStorage {
  readonly writes: { path: string; tags: WriteOptions['tags'] }[] = [];

  override write(...args: Parameters<FileStorage['write']>): ReturnType<FileStorage['write']> {
    const [uri, , options] = args;
    this.writes.push({ path: toFilePath(uri), tags: options?.tags });
    return super.write(...args);
  }
}

/** The kind an object of the run folder must be tagged with, from its first path segment. */
function expectedKind(relative: string): ObjectKind | undefined {
  const top = relative.split('/')[0];
  if (top === 'rejects') return 'rejects';
  if (top === 'tmp' || top === 'dedup') return 'tmp';
  if (top === 'manifests') return 'manifest';
  return undefined;
}

let dir: string;
const storage = new RecordingStorage();

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-tags-'));
  await makeDedupShards(path.join(dir, 'inputs', 'images'));
  setStorageForScheme('file', storage);
  const result = await runLocal({
    definition: compile(dedupRun.graph).definition,
    pipeline: { name: 'dedup-run', modulePath: FIXTURE },
    dataRoot: dir,
    input: { runId: 'tags' },
    workerMode: 'in-process',
    concurrency: 2,
  });
  expect(result.status).toBe('SUCCEEDED');
}, 120_000);

afterAll(async () => {
  setStorageForScheme('file', undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('object tags of a run', () => {
  test('rejects, tmp/ and dedup/ intermediates and manifests are tagged with their kind; nothing else is', () => {
    const runRoot = path.join(dir, 'runs', 'dedup-run', 'tags');
    const seen = new Set<string>();
    const wrong = storage.writes.flatMap(({ path: file, tags }) => {
      const relative = path.relative(runRoot, file);
      const kind = relative.startsWith('..') ? undefined : expectedKind(relative);
      if (kind) seen.add(`${relative.split('/')[0]}:${kind}`);
      const expected = kind ? { [OBJECT_KIND_TAG]: kind } : undefined;
      return JSON.stringify(tags) === JSON.stringify(expected) ? [] : [{ relative, tags }];
    });
    expect(wrong).toEqual([]);
    expect([...seen].sort()).toEqual([
      'dedup:tmp',
      'manifests:manifest',
      'rejects:rejects',
      'tmp:tmp',
    ]);
  });

  test('the pending and the all-shards manifests of each source and the dedup manifest are among them', () => {
    const manifests = storage.writes
      .filter((w) => w.path.includes('/manifests/'))
      .map((w) => path.basename(w.path));
    expect([...new Set(manifests)].sort()).toEqual([
      'exact.all.json',
      'exact.dedup.json',
      'exact.json',
      'near.all.json',
      'near.dedup.json',
      'near.json',
    ]);
  });
});
