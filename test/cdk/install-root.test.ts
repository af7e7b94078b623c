import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installRootOf } from '../../infra/cdk/install-root';
import { PROJECT_ROOT } from './helpers';

describe('installRootOf: the npm install the Lambda bundles are built from', () => {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'vlmflow-install-root-')));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a checkout is its own install', () => {
    expect(installRootOf(PROJECT_ROOT)).toBe(fs.realpathSync(PROJECT_ROOT));
  });

  test('a vlmflow installed under a project: the project that holds the lock file', () => {
    const installed = path.join(dir, 'project', 'node_modules', 'vlmflow');
    fs.mkdirSync(installed, { recursive: true });
    fs.writeFileSync(path.join(dir, 'project', 'package-lock.json'), '{}\n');
    expect(installRootOf(installed)).toBe(path.join(dir, 'project'));
  });

  test('a linked checkout (npm links a file: dependency): the checkout, not the project', () => {
    const project = path.join(dir, 'linking');
    fs.mkdirSync(path.join(project, 'node_modules'), { recursive: true });
    fs.writeFileSync(path.join(project, 'package-lock.json'), '{}\n');
    fs.symlinkSync(PROJECT_ROOT, path.join(project, 'node_modules', 'vlmflow'), 'dir');
    expect(installRootOf(path.join(project, 'node_modules', 'vlmflow'))).toBe(
      fs.realpathSync(PROJECT_ROOT),
    );
  });

  test('no lock file anywhere above is an error that says how to get one', () => {
    const bare = path.join(dir, 'bare');
    fs.mkdirSync(bare);
    expect(() => installRootOf(bare)).toThrow(
      `no package-lock.json in ${bare} or a folder above it: install vlmflow with npm`,
    );
  });
});
