/**
 * The report of runs made through the CLI, opened in Debian's Chromium: the funnel in chain
 * order ending at the kept count, parameters folded, histograms with the run's own thresholds
 * (a declared parameter and an implicit operator parameter set per run), a failed run's causes,
 * and a layout that holds at 390 px. Screenshots go to test-artifacts/ (report-success.png, report-390.png,
 * report-failure.png).
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Browser } from 'playwright-core';
import { localRunArgs, ROOT, vlmflow } from '../helpers/cli';
import type { RunSummary } from '../../core/contracts';
import { makeSampleShards } from '../fixtures/sample-shards';
import { hasChromium, launchChromium } from '../report/browser';
import pairsBasic from '../../pipelines/pairs-basic';

/** The page's full width (run in the browser; this file has no DOM types). */
const PAGE_WIDTH = '(() => document.documentElement.scrollWidth)()';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const FAILING = path.join(ROOT, 'test', 'fixtures', 'pipelines', 'failing-op.ts');

describe('report layout, funnel and failure causes in Chromium', () => {
  let dir: string;
  let browser: Browser;
  let okReport: string;
  let failedReport: string;
  let summary: RunSummary;

  beforeAll(async () => {
    if (!hasChromium()) throw new Error('install Debian chromium: apt-get install -y chromium');
    dir = await mkdtemp(path.join(tmpdir(), 'vlmflow-report-layout-'));
    const input = path.join(dir, 'input');
    const workdir = path.join(dir, 'work');
    await makeSampleShards(input, { shards: 3, samplesPerShard: 12, seed: 7 });
    // Thresholds set per run: the histograms must draw these values, not the defaults.
    const params = ['minSide=180', 'pairs.text.length.minChars=12'];
    const ok = await vlmflow(localRunArgs('pairs-basic', { input, workdir, runId: 'ok', params }));
    summary = JSON.parse(ok.stdout) as RunSummary;
    await vlmflow(localRunArgs(FAILING, { input, workdir, runId: 'failed' }));
    okReport = path.join(workdir, 'runs', 'pairs-basic', 'ok', 'report', 'index.html');
    failedReport = path.join(workdir, 'runs', 'failing-op', 'failed', 'report', 'index.html');
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
  }, 300_000);

  afterAll(() => browser?.close());

  it('funnel in chain order down to the kept count; parameters folded', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`file://${okReport}`);
    const steps = await page.$$eval('#stage-pairs table.funnel tr[data-step]', (rows) =>
      rows.map((r) => r.getAttribute('data-step')),
    );
    // The chain as the pipeline declares it: each operator kind once, in order.
    const chain = pairsBasic.graph.sources[0]!.ops.map((use) => use.op);
    expect(steps.filter((s) => !s?.startsWith('tar'))).toEqual([...new Set(chain)]);
    const lastLeft = await page.textContent(`#stage-pairs td[data-left="${steps.at(-1)}"]`);
    expect(Number(lastLeft)).toBe(summary.stages.pairs!.kept);
    expect(await page.isVisible('#parameters details[open]')).toBe(false);
    expect(await page.isVisible('[data-param="minSide"]')).toBe(false);
    await page.click('#parameters summary');
    expect(await page.isVisible('[data-param="minSide"]')).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-success.png'), fullPage: true });
  });

  it("draws each histogram with the run's thresholds, after per-run overrides", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`file://${okReport}`);
    const threshold = (stat: string, arg: string) =>
      page.textContent(`#stage-pairs [data-histogram="${stat}"] [data-threshold="${arg}"]`);
    expect(await threshold('image.size shorter_side', 'minSide')).toBe('minSide = 180');
    expect(await threshold('text.length chars', 'minChars')).toBe('minChars = 12');
    expect(await threshold('text.length words', 'minWords')).toBe('minWords = 3');
    // What text.length rejected is the red part of its histograms.
    const words = page.locator('#stage-pairs [data-histogram="text.length words"]');
    const byLength = summary.stages.pairs!.rejected['text.length:too_short'] ?? 0;
    expect(Number(await words.getAttribute('data-rejected'))).toBe(byLength);
    await page.close();
  });

  it('holds at 390 px: nothing wider than the screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`file://${okReport}`);
    const width = await page.evaluate(PAGE_WIDTH);
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-390.png'), fullPage: true });
  });

  it("a failed run's report shows its cause", async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`file://${failedReport}`);
    expect(await page.isVisible('#causes')).toBe(true);
    const cause = await page.textContent('#causes li');
    expect(cause).toContain('operator mine.flat-image failed on sample');
    expect(cause).toContain('boom');
    expect(await page.evaluate(PAGE_WIDTH)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'report-failure.png'), fullPage: true });
  });
});
