import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipelineNameOf, vlmflowDependency } from '../../infra/cli/project-scaffold';
import { ROOT } from '../helpers/cli';

describe('vlmflow init: names and the vlmflow dependency', () => {
  test('the pipeline name comes from the package name under the DSL rule', () => {
    expect(pipelineNameOf('my-project')).toBe('my-project');
    expect(pipelineNameOf('@acme/Image_Pairs.v2')).toBe('image-pairs-v2');
    expect(pipelineNameOf('42-things')).toBe('things');
    expect(pipelineNameOf('a'.repeat(50))).toHaveLength(40);
  });

  test('a checkout or an npm pack tarball becomes a file: dependency relative to the project', () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-dependency-')));
    try {
      const project = path.join(dir, 'project');
      const tarball = path.join(dir, 'vlmflow-0.1.0.tgz');
      fs.writeFileSync(tarball, '');
      expect(vlmflowDependency(project, tarball)).toBe('file:../vlmflow-0.1.0.tgz');
      expect(vlmflowDependency(project, ROOT)).toBe(
        `file:${path.relative(project, fs.realpathSync(ROOT))}`,
      );
      // This checkout runs the command: the default is the same file: dependency.
      expect(vlmflowDependency(project, undefined)).toBe(vlmflowDependency(project, ROOT));
      expect(() => vlmflowDependency(project, path.join(dir, 'other.tgz'))).toThrow(
        'expected a vlmflow checkout',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
