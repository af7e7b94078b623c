/**
 * The model cache: a folder from a path, file:// or s3:// is downloaded once per process
 * (concurrent callers share it), every file verified against SHA256SUMS, reused from disk after
 * a cheap check, downloaded again when the model changes; every broken model fails with a
 * message naming the file and the URI.
 */
import {
  appendFile,
  cp,
  mkdir,
  readdir,
  readFile,
  rm,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import * as path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  cacheHooks,
  forgetLoadedModelFolders,
  LEFTOVER_AGE_MS,
  loadModelFolder,
  modelFilePath,
} from '../../lambdas/models/cache';
import { S3Storage } from '../../lambdas/shards/s3-storage';
import { setStorageForScheme } from '../../lambdas/shards/storage';
import { ALLOWED_ROOTS_ENV } from '../../lambdas/shards/allowed-roots';
import { NSFW_TINY, copyModel, scratch } from './helpers';

let work: Awaited<ReturnType<typeof scratch>>;
let cacheDir: string;
let n = 0;
beforeAll(async () => {
  work = await scratch();
});
beforeEach(async () => {
  forgetLoadedModelFolders();
  cacheDir = path.join(work.dir, `cache-${++n}`);
});
afterAll(() => work.remove());

const folders = async () => (await readdir(cacheDir)).sort();

describe('loading', () => {
  it('downloads and verifies every listed file, from a path and a file:// URI', async () => {
    const folder = await loadModelFolder(NSFW_TINY, cacheDir);
    expect(folder.files.map((f) => f.path).sort()).toEqual([
      'config.json',
      'expected.json',
      'onnx/model.onnx',
      'preprocessor_config.json',
    ]);
    expect(await readFile(modelFilePath(folder, 'onnx/model.onnx'))).toEqual(
      await readFile(path.join(NSFW_TINY, 'onnx/model.onnx')),
    );
    const viaUri = await loadModelFolder(`file://${NSFW_TINY}/`, cacheDir);
    expect(viaUri.dir).toBe(folder.dir);
    expect(folder.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('shares one download between concurrent callers', async () => {
    const [a, b, c] = await Promise.all([
      loadModelFolder(NSFW_TINY, cacheDir),
      loadModelFolder(NSFW_TINY, cacheDir),
      loadModelFolder(NSFW_TINY, cacheDir),
    ]);
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(await folders()).toHaveLength(1);
  });

  it('reuses a verified folder on disk, and downloads again when a cached file changed size', async () => {
    const first = await loadModelFolder(NSFW_TINY, cacheDir);
    const model = modelFilePath(first, 'onnx/model.onnx');
    forgetLoadedModelFolders();
    await appendFile(path.join(first.dir, 'config.json'), ' ');
    await loadModelFolder(NSFW_TINY, cacheDir);
    // The size check caught the changed file: the folder was replaced by a fresh copy.
    expect(await readFile(path.join(first.dir, 'config.json'))).toEqual(
      await readFile(path.join(NSFW_TINY, 'config.json')),
    );
    forgetLoadedModelFolders();
    const before = (await readFile(model)).length;
    await loadModelFolder(NSFW_TINY, cacheDir);
    expect((await readFile(model)).length).toBe(before);
    expect(await folders()).toEqual([path.basename(first.dir)]);
  });

  it('downloads again when the model at the URI was replaced', async () => {
    const model = await copyModel(NSFW_TINY, work.dir, 'replaced');
    const before = await loadModelFolder(model, cacheDir);
    await writeFile(path.join(model, 'config.json'), '{"id2label":{"0":"a","1":"b"}}\n');
    await rewriteSums(model);
    forgetLoadedModelFolders();
    const after = await loadModelFolder(model, cacheDir);
    expect(after.dir).not.toBe(before.dir);
    expect(await readFile(modelFilePath(after, 'config.json'), 'utf8')).toContain('"a"');
  });

  it('refuses a model outside the allowed roots', async () => {
    process.env[ALLOWED_ROOTS_ENV] = 's3://somewhere-else/';
    try {
      expect(() => loadModelFolder(NSFW_TINY, cacheDir)).toThrow(
        `model URI ${NSFW_TINY} is outside the allowed roots`,
      );
    } finally {
      delete process.env[ALLOWED_ROOTS_ENV];
    }
  });
});

describe('processes sharing the cache', () => {
  afterEach(() => {
    delete cacheHooks.beforeReplace;
  });

  it('uses a verified folder another process put in place during the download, never removing it', async () => {
    let raced = '';
    // Another process finishes first: its verified copy appears just before our rename.
    cacheHooks.beforeReplace = async (dir, temp) => {
      await cp(temp, dir, { recursive: true });
      await writeFile(path.join(dir, 'owned-by-the-other-process'), 'in use');
      raced = dir;
    };
    const folder = await loadModelFolder(NSFW_TINY, cacheDir);
    expect(folder.dir).toBe(raced);
    expect(await readFile(path.join(folder.dir, 'owned-by-the-other-process'), 'utf8')).toBe(
      'in use',
    );
    expect(await readFile(modelFilePath(folder, 'onnx/model.onnx'))).toEqual(
      await readFile(path.join(NSFW_TINY, 'onnx/model.onnx')),
    );
    expect(await folders()).toEqual([path.basename(folder.dir)]);
  });

  it('replaces a stale (unverified) folder by renaming it aside, leaving nothing behind', async () => {
    const first = await loadModelFolder(NSFW_TINY, cacheDir);
    await rm(path.join(first.dir, '.vlmflow-verified.json'));
    forgetLoadedModelFolders();
    let staleSeen: string[] = [];
    cacheHooks.beforeReplace = async () => {
      staleSeen = await folders();
    };
    const again = await loadModelFolder(NSFW_TINY, cacheDir);
    expect(again.dir).toBe(first.dir);
    expect(staleSeen.filter((f) => f.endsWith('.partial'))).toHaveLength(1);
    expect(await folders()).toEqual([path.basename(first.dir)]);
    expect(await readdir(first.dir)).toContain('.vlmflow-verified.json');
  });

  it('removes partial and stale folders a killed process left, once they are old', async () => {
    await mkdir(cacheDir, { recursive: true });
    const old = (Date.now() - LEFTOVER_AGE_MS - 60_000) / 1000;
    for (const name of ['dead.1a2b.partial', 'dead.stale-3c4d', 'live.5e6f.partial']) {
      await mkdir(path.join(cacheDir, name, 'onnx'), { recursive: true });
      await writeFile(path.join(cacheDir, name, 'onnx', 'model.onnx'), 'half');
      if (name.startsWith('dead')) await utimes(path.join(cacheDir, name), old, old);
    }
    const folder = await loadModelFolder(NSFW_TINY, cacheDir);
    expect(await folders()).toEqual([path.basename(folder.dir), 'live.5e6f.partial'].sort());
  });
});

describe('broken models fail with a message naming the file and the URI', () => {
  async function broken(name: string, damage: (dir: string) => Promise<void>): Promise<string> {
    const dir = await copyModel(NSFW_TINY, work.dir, name);
    await damage(dir);
    return dir;
  }

  it('no SHA256SUMS', async () => {
    const dir = await broken('no-sums', (d) => rm(path.join(d, 'SHA256SUMS')));
    await expect(loadModelFolder(dir, cacheDir)).rejects.toThrow(
      `model file SHA256SUMS is missing from ${dir}`,
    );
  });

  it('a listed file missing', async () => {
    const dir = await broken('missing', (d) => rm(path.join(d, 'onnx/model.onnx')));
    await expect(loadModelFolder(dir, cacheDir)).rejects.toThrow(
      `model file onnx/model.onnx is missing from ${dir} (listed in SHA256SUMS)`,
    );
  });

  it('a corrupt (truncated) file', async () => {
    const dir = await broken('truncated', (d) => truncate(path.join(d, 'onnx/model.onnx'), 1000));
    await expect(loadModelFolder(dir, cacheDir)).rejects.toThrow(
      new RegExp(
        `^model file onnx/model.onnx of ${dir} is corrupt: sha256 [0-9a-f]{64} does not match SHA256SUMS`,
      ),
    );
  });

  it('a hash mismatch in SHA256SUMS', async () => {
    const dir = await broken('mismatch', async (d) => {
      const sums = await readFile(path.join(d, 'SHA256SUMS'), 'utf8');
      await writeFile(
        path.join(d, 'SHA256SUMS'),
        sums.replace(/^[0-9a-f]{64}(?= {2}config\.json$)/m, '0'.repeat(64)),
      );
    });
    await expect(loadModelFolder(dir, cacheDir)).rejects.toThrow(
      `model file config.json of ${dir} is corrupt: sha256 ${await sha256Of(path.join(dir, 'config.json'))} does not match SHA256SUMS (${'0'.repeat(64)})`,
    );
  });

  it('a malformed or escaping SHA256SUMS line', async () => {
    const bad = await broken('malformed', (d) =>
      appendFile(path.join(d, 'SHA256SUMS'), 'not a sum line\n'),
    );
    await expect(loadModelFolder(bad, cacheDir)).rejects.toThrow(
      `SHA256SUMS line 5 of model ${bad}: expected "<sha256>  <path>", got "not a sum line"`,
    );
    const escaping = await broken('escaping', (d) =>
      appendFile(path.join(d, 'SHA256SUMS'), `${'a'.repeat(64)}  ../secret\n`),
    );
    await expect(loadModelFolder(escaping, cacheDir)).rejects.toThrow(
      `SHA256SUMS line 5 of model ${escaping}: "../secret" is not a relative path inside the folder`,
    );
  });

  it('forgets a failed load, so a retry after the fix succeeds', async () => {
    const dir = await broken('fixed-later', (d) => rm(path.join(d, 'config.json')));
    await expect(loadModelFolder(dir, cacheDir)).rejects.toThrow('model file config.json');
    await writeFile(
      path.join(dir, 'config.json'),
      await readFile(path.join(NSFW_TINY, 'config.json')),
    );
    await expect(loadModelFolder(dir, cacheDir)).resolves.toMatchObject({ uri: dir });
    // No partial folder is left behind by the failed attempt.
    expect((await folders()).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});

describe('from s3://', () => {
  const endpoint = process.env.VLMFLOW_TEST_S3_ENDPOINT;
  const run = endpoint ? it : it.skip;
  run('downloads and verifies a model folder from a bucket', async () => {
    const client = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const bucket = `vlmflow-models-${process.pid}`;
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      for (const file of [
        'SHA256SUMS',
        'config.json',
        'expected.json',
        'preprocessor_config.json',
        'onnx/model.onnx',
      ])
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: `models/nsfw/${file}`,
            Body: await readFile(path.join(NSFW_TINY, file)),
          }),
        );
      setStorageForScheme('s3', new S3Storage({ client }));
      const folder = await loadModelFolder(`s3://${bucket}/models/nsfw`, cacheDir);
      expect(await readFile(modelFilePath(folder, 'onnx/model.onnx'))).toEqual(
        await readFile(path.join(NSFW_TINY, 'onnx/model.onnx')),
      );
      const missing = `s3://${bucket}/models/none`;
      await expect(loadModelFolder(missing, cacheDir)).rejects.toThrow(
        `model file SHA256SUMS is missing from ${missing}`,
      );
    } finally {
      setStorageForScheme('s3', undefined);
      client.destroy();
    }
  });
});

async function sha256Of(file: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Rewrites SHA256SUMS for the folder's current files, as `sha256sum` would. */
async function rewriteSums(dir: string): Promise<void> {
  const { createHash } = await import('node:crypto');
  const lines: string[] = [];
  for (const file of [
    'config.json',
    'expected.json',
    'onnx/model.onnx',
    'preprocessor_config.json',
  ]) {
    const digest = createHash('sha256')
      .update(await readFile(path.join(dir, file)))
      .digest('hex');
    lines.push(`${digest}  ${file}\n`);
  }
  await writeFile(path.join(dir, 'SHA256SUMS'), lines.join(''));
}
