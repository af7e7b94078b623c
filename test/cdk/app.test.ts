import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { discoverPipelines, selectPipelines } from '../../infra/cdk/discover-pipelines';
import { renderInputSchemaJson } from '../../infra/compiler/input-schema';
import { FIXTURES, PROJECT_ROOT } from './helpers';

describe('pipeline discovery', () => {
  test('every module with a pipeline as default export, sorted by file', () => {
    const found = discoverPipelines(FIXTURES);
    expect(found.map(({ pipeline, file }) => [pipeline.name, path.basename(file)])).toEqual([
      ['cdk-curate', 'curate-custom.ts'],
      ['cdk-train', 'mix-train.ts'],
      ['cdk-urls', 'urls.ts'],
    ]);
    expect(selectPipelines(found, 'cdk-train').map(({ pipeline }) => pipeline.name)).toEqual([
      'cdk-train',
    ]);
    expect(() => selectPipelines(found, 'nope')).toThrow(
      'no pipeline named "nope" (available: cdk-curate, cdk-train, cdk-urls)',
    );
  });

  test('a module without a pipeline and a name defined twice are errors', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-discover-'));
    try {
      const fixture = JSON.stringify(path.join(FIXTURES, 'curate-custom'));
      fs.writeFileSync(path.join(dir, 'a.ts'), `export { default } from ${fixture};\n`);
      fs.writeFileSync(path.join(dir, 'b.ts'), `export { default } from ${fixture};\n`);
      expect(() => discoverPipelines(dir)).toThrow(
        `pipeline "cdk-curate" is defined twice: ${path.join(dir, 'a.ts')} and ${path.join(dir, 'b.ts')}`,
      );
      // A new file name: require() caches modules by path.
      fs.rmSync(path.join(dir, 'b.ts'));
      fs.writeFileSync(path.join(dir, 'c.ts'), 'export default 42;\n');
      expect(() => discoverPipelines(dir)).toThrow(
        `${path.join(dir, 'c.ts')}: the default export is not a pipeline`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('infra/app.ts (the app cdk.json names)', () => {
  test('synthesizes one nag-clean stack per pipeline in pipelines/', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-app-'));
    try {
      // What the CDK CLI does: context and output folder through the environment.
      execFileSync(
        path.join(PROJECT_ROOT, 'node_modules/.bin/node'),
        ['--import', 'tsx', 'infra/app.ts'],
        {
          cwd: PROJECT_ROOT,
          env: {
            ...process.env,
            CDK_OUTDIR: outdir,
            CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [] }),
          },
          stdio: 'pipe',
        },
      );
      const expected = discoverPipelines(path.join(PROJECT_ROOT, 'pipelines')).map(
        ({ pipeline }) => `vlmflow-${pipeline.name}.template.json`,
      );
      const templates = fs.readdirSync(outdir).filter((file) => file.endsWith('.template.json'));
      expect(templates.sort()).toEqual(expected.sort());
      expect(expected.length).toBeGreaterThan(0);
      // The execution input's JSON Schema beside each template.
      for (const { pipeline } of discoverPipelines(path.join(PROJECT_ROOT, 'pipelines'))) {
        expect(
          fs.readFileSync(path.join(outdir, `vlmflow-${pipeline.name}.input-schema.json`), 'utf8'),
        ).toBe(renderInputSchemaJson(pipeline.graph));
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
