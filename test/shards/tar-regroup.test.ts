/**
 * Tars whose members are not grouped by key: regrouped within the memory cap (one sample per
 * key, never several), or the shard fails with a message saying how to repack it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { toFileUri } from '../../core/uri';
import { handler } from '../../lambdas/handlers/curate';
import { defaultRegroupBytes } from '../../lambdas/shards/tar-regroup';
import { describe as plain, makeTar, readAll } from './tar-fixtures';

const MiB = 1024 * 1024;

describe('readShard with regroupMaxBytes', () => {
  it('groups the members of each key, keys in first-seen order, with the usual reasons', async () => {
    const tarBytes = await makeTar([
      { name: 'b.jpg', data: 'B' },
      { name: 'a.jpg', data: 'A' },
      { name: 'noext', data: 'x' },
      { name: 'b.txt', data: 'bee' },
      { name: 'a.txt', data: 'ay' },
      { name: 'a.TXT', data: 'again' },
      { name: 'b.json', data: '{}' },
    ]);
    const records = await readAll(tarBytes, { regroupMaxBytes: MiB });
    expect(records.map(plain)).toEqual([
      { sample: 'b', parts: { jpg: 'B', txt: 'bee', json: '{}' } },
      // Emitted as met, while the sample of `a` is still open.
      { invalid: '_invalid/000001', rawKey: 'noext', reason: 'no_extension', parts: {} },
      { invalid: 'a', reason: 'duplicate_key', parts: { jpg: 'A', txt: 'ay' } },
    ]);
  });

  it('fails with a repack hint past the cap, before holding more', async () => {
    const tarBytes = await makeTar([
      { name: 'a.jpg', data: 'a'.repeat(600) },
      { name: 'b.jpg', data: 'b'.repeat(600) },
    ]);
    await expect(readAll(tarBytes, { regroupMaxBytes: 1000 })).rejects.toThrow(
      /not grouped by sample key.*more than 1000 bytes.*tar --sort=name/,
    );
  });

  it('a broken regrouped tar: the samples read, then one record for the failure', async () => {
    const whole = await makeTar([
      { name: 'a.jpg', data: 'A' },
      { name: 'b.jpg', data: 'B' },
      { name: 'a.txt', data: 'x'.repeat(2000) },
    ]);
    const records = await readAll(whole.subarray(0, 3 * 512 + 100), { regroupMaxBytes: MiB });
    expect(records.map((r) => (r.kind === 'sample' ? r.sample.key : r.reason))).toEqual([
      'a',
      'b',
      'truncated',
    ]);
  });

  it('reads a tar made by the tar command from a folder, one sample per key', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-regroup-'));
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      for (const ext of ['jpg', 'txt']) {
        const name = `s${String(i).padStart(3, '0')}.${ext}`;
        await writeFile(path.join(dir, 'src-' + name), `${ext} ${i}`);
        names.push(name);
      }
    }
    // The order a shell glob or directory listing might give: all images, then all captions.
    const byExt = [
      ...names.filter((n) => n.endsWith('.jpg')),
      ...names.filter((n) => n.endsWith('.txt')),
    ];
    for (const name of byExt)
      await writeFile(path.join(dir, name), await readFile(path.join(dir, 'src-' + name)));
    const tarFile = path.join(dir, 'x.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', dir, ...byExt]);
    const records = await readAll(await readFile(tarFile), { regroupMaxBytes: MiB });
    expect(records).toHaveLength(20);
    expect(records.map(plain)[7]).toEqual({
      sample: 's007',
      parts: { jpg: 'jpg 7', txt: 'txt 7' },
    });
  });

  it('caps held bytes at half the Lambda memory, 1 GiB elsewhere', () => {
    expect(defaultRegroupBytes({ AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '3008' })).toBe(1504 * MiB);
    expect(defaultRegroupBytes({})).toBe(1024 * MiB);
  });
});

describe('an ungrouped shard through the curate handler', () => {
  const ungrouped = () =>
    makeTar([
      { name: 'a.jpg', data: 'A' },
      { name: 'b.jpg', data: 'B' },
      { name: 'a.txt', data: 'caption a' },
      { name: 'b.txt', data: 'caption b' },
    ]);
  const run = async (dir: string) => {
    const shard = path.join(dir, 'x.tar');
    await writeFile(shard, await ungrouped());
    return handler({
      task: {
        pipeline: 'p',
        stage: 's',
        runId: 'r',
        runRoot: toFileUri(path.join(dir, 'run')),
        params: {},
        item: { key: 'x', uri: toFileUri(shard) },
        segments: [{ fn: 'curate', ops: [] }],
      },
      segment: 0,
    });
  };

  it('counts each sample once after regrouping', async () => {
    const result = await run(await mkdtemp(path.join(tmpdir(), 'vlmflow-regroup-')));
    expect(result).toMatchObject({ in: 2, kept: 2, rejected: {} });
  });

  it('fails the shard, saying how to repack, when regrouping needs more memory than allowed', async () => {
    const before = process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
    process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = '1'; // half of it: 0 MiB to hold members
    try {
      await expect(run(await mkdtemp(path.join(tmpdir(), 'vlmflow-regroup-')))).rejects.toThrow(
        /shard "x".*not grouped by sample key.*tar --sort=name/,
      );
    } finally {
      if (before === undefined) delete process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
      else process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE = before;
    }
  });
});
