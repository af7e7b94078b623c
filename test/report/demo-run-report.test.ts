/**
 * The report of a real local demo run, opened in headless Chromium: no console error, no
 * request leaves the page, and the numbers on it equal the run summary. A screenshot goes to
 * test-artifacts/report-demo.png.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import type { RunSummary } from '../../core/contracts';
import { makeSampleShards } from '../fixtures/sample-shards';
import { readShard } from '../../lambdas/shards/tar-reader';
import { hasChromium, launchChromium } from './browser';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'vlmflow');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const run = promisify(execFile);

describe('report of a local demo run', () => {
  let dir: string;
  let runRoot: string;
  let summary: RunSummary;
  let browser: Browser;

  beforeAll(async () => {
    if (!hasChromium()) throw new Error('install Debian chromium: apt-get install -y chromium');
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-report-'));
    const input = path.join(dir, 'input');
    await makeSampleShards(input, { shards: 3, samplesPerShard: 40, seed: 11 });
    const { stdout } = await run(
      CLI,
      [
        'run',
        'pairs-basic',
        '--local',
        '--input',
        input,
        '--workdir',
        path.join(dir, 'work'),
        '--run-id',
        'report-demo',
        '--json',
      ],
      { cwd: ROOT, maxBuffer: 16 << 20 },
    );
    summary = JSON.parse(stdout) as RunSummary;
    runRoot = path.join(dir, 'work', 'runs', 'pairs-basic', 'report-demo');
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is written by the run itself (Summary) and again by `vlmflow report`', async () => {
    const written = await stat(path.join(runRoot, 'report', 'index.html'));
    expect(written.size).toBeGreaterThan(0);
    const { stdout } = await run(CLI, ['report', runRoot], { cwd: ROOT });
    expect(stdout.trim()).toBe(path.join(runRoot, 'report', 'index.html'));
  });

  it('renders without console errors or requests, and shows the summary numbers', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const file = `file://${path.join(runRoot, 'report', 'index.html')}`;
    await page.goto(file, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    // data: URIs are not requests; the page is the only one.
    expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([file]);

    expect(await page.textContent('#run-id')).toBe(summary.runId);
    expect(await page.textContent('#run-status')).toBe('SUCCEEDED');
    for (const [stage, counts] of Object.entries(summary.stages)) {
      const section = `[data-stage="${stage}"]`;
      const number = async (selector: string) =>
        Number(await page.textContent(`${section} ${selector}`));
      expect(await number('[data-count="in"]')).toBe(counts.in);
      expect(await number('[data-count="kept"]')).toBe(counts.kept);
      const rejected = Object.values(counts.rejected).reduce((a, b) => a + b, 0);
      expect(await number('[data-count="rejected"]')).toBe(rejected);
      const shown = await page.$$eval(`${section} td[data-reason]`, (cells) =>
        Object.fromEntries(
          cells.map((c) => [c.getAttribute('data-reason'), Number(c.textContent)]),
        ),
      );
      expect(shown).toEqual(counts.rejected);
      // One gallery per reason; broken images show a placeholder naming the reason.
      const galleries = await page.$$eval(`${section} [data-gallery]`, (els) =>
        els.map((e) => e.getAttribute('data-gallery')),
      );
      expect(galleries.sort()).toEqual(Object.keys(counts.rejected).sort());
      for (const reason of Object.keys(counts.rejected).filter((r) =>
        r.startsWith('image.decode:'),
      )) {
        const gallery = `${section} [data-gallery="${reason}"]`;
        const placeholders = await page.$$eval(`${gallery} .placeholder`, (els) =>
          els.map((e) => e.textContent),
        );
        expect(placeholders.length).toBe(await page.locator(`${gallery} figure`).count());
        expect(placeholders.length).toBeGreaterThan(0);
        for (const text of placeholders) expect(text).toContain(reason.split(':')[1]);
      }
      expect(
        await page.locator(`${section} [data-gallery="image.size:too_small"] img`).count(),
      ).toBeGreaterThan(0);
      expect(await page.locator(`${section} .grid.kept figure`).count()).toBe(24);
      // Funnel in chain order, rejects by reason, time per operator, then one per histogram.
      const histograms = await page.locator(`${section} figure.histogram`).count();
      expect(await page.locator(`${section} svg`).count()).toBe(3 + histograms);
      // image.size measured every sample with an image it could read: what it rejected by size
      // is the red part of its histograms, and the run's minSide is drawn on the shorter side.
      const shorter = page.locator(`${section} [data-histogram="image.size shorter_side"]`);
      const bySize = ['too_small', 'too_large', 'bad_aspect_ratio', 'too_few_pixels']
        .map((reason) => counts.rejected[`image.size:${reason}`] ?? 0)
        .reduce((a, b) => a + b, 0);
      expect(bySize).toBeGreaterThan(0);
      expect(Number(await shorter.getAttribute('data-rejected'))).toBe(bySize);
      expect(await shorter.locator('[data-threshold="minSide"]').textContent()).toBe(
        'minSide = 200',
      );
      expect(await shorter.locator('svg path[stroke-dasharray]').count()).toBeGreaterThan(0);
      for (const stat of ['image.size width', 'image.size aspect_ratio', 'text.length words'])
        expect(await page.locator(`${section} [data-histogram="${stat}"]`).count()).toBe(1);
    }
    expect(await page.textContent('[data-param="minSide"]')).toBe('200');
    expect(await page.locator('#cost-total').count()).toBe(1);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-demo.png'), fullPage: true });
    await page.close();
  });

  it('keeps the measurements of each kept sample in its json (vlmflow.stats, by operator)', async () => {
    const kept = path.join(runRoot, 'stages', 'pairs');
    const jsons = await keptJsons(kept);
    expect(jsons.length).toBe(summary.stages.pairs!.kept);
    for (const json of jsons) {
      const stats = (json.vlmflow as { stats: Record<string, Record<string, number>> }).stats;
      // In chain order: the operators of pairs-basic that measure something.
      expect(Object.keys(stats)).toEqual([
        'image.size',
        'text.length',
        'text.repetition',
        'text.special_chars',
      ]);
      expect(stats['image.size']!.shorter_side).toBeGreaterThanOrEqual(200);
      expect(stats['text.length']!.words).toBeGreaterThanOrEqual(3);
    }
  });

  it('leaves json as the operators wrote it with --param statsInJson=false, the same otherwise', async () => {
    const work = path.join(dir, 'work');
    await run(
      CLI,
      [
        'run',
        'pairs-basic',
        '--local',
        '--input',
        path.join(dir, 'input'),
        '--workdir',
        work,
        '--run-id',
        'no-stats',
        '--param',
        'statsInJson=false',
        '--json',
      ],
      { cwd: ROOT, maxBuffer: 16 << 20 },
    );
    const plain = await keptJsons(
      path.join(work, 'runs', 'pairs-basic', 'no-stats', 'stages', 'pairs'),
    );
    const withStats = await keptJsons(path.join(runRoot, 'stages', 'pairs'));
    expect(plain.length).toBe(withStats.length);
    for (const [i, json] of plain.entries()) {
      expect(json.vlmflow).toBeUndefined();
      const { vlmflow, ...rest } = withStats[i]!;
      expect(vlmflow).toBeDefined();
      expect(json).toEqual(rest);
    }
  }, 120_000);

  it('is self-contained: no external URL in the page', async () => {
    const page = await readFile(path.join(runRoot, 'report', 'index.html'), 'utf8');
    expect(page.match(/(?:src|href)="(?!data:|#)[^"]*"/g) ?? []).toEqual([]);
  });
});

/** The json member of every sample in the kept shards of a folder. */
async function keptJsons(folder: string): Promise<Record<string, unknown>[]> {
  const { createReadStream } = await import('node:fs');
  const { readdir } = await import('node:fs/promises');
  const out: Record<string, unknown>[] = [];
  for (const name of (await readdir(folder)).filter((n) => n.endsWith('.tar')).sort())
    for await (const record of readShard(createReadStream(path.join(folder, name))))
      if (record.kind === 'sample')
        out.push(JSON.parse(record.sample.parts.json!.toString('utf8')) as Record<string, unknown>);
  return out;
}
