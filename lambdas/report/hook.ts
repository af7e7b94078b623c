/**
 * The Summary Lambda's report, best effort: a report that fails or runs long must never fail
 * the run, so errors are logged and the wait is bounded. The report code (echarts, sharp) is
 * loaded only here, on first use, so the Summary handler's cold start does not pay for it.
 * `VLMFLOW_REPORT=off` skips it (benchmarks, tests that time runs).
 */

/** The Summary function has 2 minutes; the report gets part of it. */
const REPORT_TIMEOUT_MS = 60_000;
const GALLERY_TIME_MS = 30_000;

export async function writeReportBestEffort(runRoot: string): Promise<void> {
  if (process.env.VLMFLOW_REPORT === 'off') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    const { writeRunReport } = await import('./index');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`gave up after ${REPORT_TIMEOUT_MS / 1000} s`)),
        REPORT_TIMEOUT_MS,
      );
    });
    await Promise.race([writeRunReport(runRoot, { galleryTimeMs: GALLERY_TIME_MS }), timeout]);
  } catch (error) {
    console.error(`run report for ${runRoot} not written:`, error);
  } finally {
    clearTimeout(timer);
  }
}
