/**
 * Lints each `{file, source}` of the JSON array on stdin as if it were that file of the
 * repository and prints the no-restricted-imports messages of each. Run in its own process by
 * lint.test.ts: eslint loads its (ES module) config with a dynamic import, which jest refuses.
 */
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const cases = JSON.parse(input) as { file: string; source: string }[];
  const eslint = new ESLint({ cwd: ROOT });
  const out: string[][] = [];
  for (const { file, source } of cases) {
    const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
    out.push(
      (result?.messages ?? [])
        .filter((m) => m.ruleId === 'no-restricted-imports')
        .map((m) => m.message),
    );
  }
  process.stdout.write(JSON.stringify(out));
}

void main();
