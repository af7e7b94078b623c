/**
 * The definition path is light: importing and compiling every shipped pipeline loads no native
 * module and no file under lambdas/ (no handler, no operator implementation, no storage).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const PROJECT_NODE = path.join(ROOT, 'node_modules', '.bin', 'node');
const NATIVE =
  /node_modules\/(sharp|@img|onnxruntime-node|onnxruntime-common|@napi-rs|pdfjs-dist)\//;

describe('importing and compiling every shipped pipeline', () => {
  const { compiled, loaded } = JSON.parse(
    execFileSync(
      fs.existsSync(PROJECT_NODE) ? PROJECT_NODE : process.execPath,
      ['--import', 'tsx', path.join(__dirname, 'definition-probe.ts')],
      { cwd: ROOT, encoding: 'utf8' },
    ),
  ) as { compiled: string[]; loaded: string[] };

  it('covers every pipeline in pipelines/', () => {
    const shipped = fs.readdirSync(path.join(ROOT, 'pipelines')).filter((f) => f.endsWith('.ts'));
    expect(compiled).toEqual(shipped.sort());
  });

  it('loads no native module and no AWS SDK', () => {
    expect(loaded.filter((file) => NATIVE.test(file) || file.endsWith('.node'))).toEqual([]);
    expect(loaded.filter((file) => file.includes('node_modules/@aws-sdk/'))).toEqual([]);
  });

  it('loads nothing under lambdas/', () => {
    expect(loaded.filter((file) => file.startsWith('lambdas/'))).toEqual([]);
  });
});
