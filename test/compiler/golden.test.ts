import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile, renderDefinitionJson } from '../../infra/compiler';
import { isPipeline, type Pipeline } from '../../infra/dsl';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };

const root = join(__dirname, '..', '..');
const pipelineFiles = [
  ...readdirSync(join(root, 'pipelines'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, 'pipelines', f)),
  join(root, 'test/fixtures/pipelines/two-sources.ts'),
];

function load(file: string): Pipeline {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { default: unknown };
  if (!isPipeline(mod.default)) throw new Error(`${file}: default export is not a pipeline`);
  return mod.default;
}

describe.each(pipelineFiles)('compiled ASL of %s', (file) => {
  const pipeline = load(file);
  const compiled = compile(pipeline.graph);
  const json = renderDefinitionJson(compiled);
  const golden = file.replace(/\.ts$/, '.asl.json');

  it('matches its golden file (VLMFLOW_UPDATE_GOLDEN=1 rewrites it)', () => {
    if (process.env.VLMFLOW_UPDATE_GOLDEN === '1' || !existsSync(golden))
      writeFileSync(golden, json);
    expect(json).toBe(readFileSync(golden, 'utf8'));
  });

  it('is valid ASL (asl-validator, paths checked)', () => {
    const result = aslValidator(structuredClone(compiled.definition), {
      checkArn: false,
      checkPaths: true,
    });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('is deterministic', () => {
    expect(renderDefinitionJson(compile(structuredClone(pipeline.graph)))).toBe(json);
  });

  it('uses JSONPath only and no ItemBatcher', () => {
    expect(json).not.toContain('JSONata');
    expect(json).not.toContain('ItemBatcher');
    expect(json).not.toMatch(/\{%/);
  });
});
