/** The IAM evaluator is optional (AGPL-3.0, a devDependency): its absence is said plainly. */
import { EVALUATOR_MISSING, loadEvaluator } from '../../infra/local/deployed/authorizer';

describe('the IAM evaluator for --as-deployed', () => {
  it('loads when installed', async () => {
    expect(typeof (await loadEvaluator()).runSimulation).toBe('function');
  });

  it('tells what to install, and why vlmflow does not, when it is missing', async () => {
    const missing = Object.assign(new Error("Cannot find module '@cloud-copilot/iam-simulate'"), {
      code: 'MODULE_NOT_FOUND',
    });
    await expect(loadEvaluator(() => Promise.reject(missing))).rejects.toThrow(EVALUATOR_MISSING);
    expect(EVALUATOR_MISSING).toContain('npm install --save-dev @cloud-copilot/iam-simulate');
    expect(EVALUATOR_MISSING).toContain('AGPL-3.0');
  });

  it('passes any other failure through', async () => {
    await expect(loadEvaluator(() => Promise.reject(new Error('disk')))).rejects.toThrow('disk');
  });
});
