import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { initProject, pipelineNameOf, vlmflowDependency } from '../../infra/cli/project-scaffold';
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

  test('a bad package name, pipeline name or --from is refused before anything is written', async () => {
    const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-init-refused-')));
    const target = path.join(dir, 'project');
    try {
      await expect(initProject(target, { name: 'My Project' })).rejects.toThrow(
        '"My Project" is not a valid npm package name (name can only contain URL-friendly characters; name can no longer contain capital letters): pass --name <name>',
      );
      await expect(initProject(target, { pipeline: '9lives' })).rejects.toThrow(
        '--pipeline: invalid pipeline name "9lives": use 1-40 characters',
      );
      await expect(initProject(target, { from: dir })).rejects.toThrow(
        `--from ${dir}: expected a vlmflow checkout (a folder whose package.json is named "vlmflow") or the vlmflow-<version>.tgz that npm pack writes`,
      );
      expect(fs.existsSync(target)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
