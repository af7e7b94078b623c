/** A URL-list source synthesizes a download function, called by the definition, reading inputs. */
import { buildStack, logicalIdOf } from './helpers';

type Statement = { Action: string | string[]; Resource: unknown };

describe('PipelineStack: format urls', () => {
  const built = buildStack('urls');
  const { stack, template } = built;
  const download = stack.stageFunctions.get('download');
  const fnId = logicalIdOf(stack, download);

  test('a download function, sized for network work, in the definition before curate', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 2048,
      Timeout: 900,
      Description: 'vlmflow cdk-urls: download',
    });
    const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    const { DefinitionString, DefinitionSubstitutions } = machine.Properties as {
      DefinitionString: string;
      DefinitionSubstitutions: Record<string, unknown>;
    };
    expect(DefinitionSubstitutions.DownloadFunctionArn).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(DefinitionString.indexOf('${DownloadFunctionArn}')).toBeLessThan(
      DefinitionString.indexOf('${CurateFunctionArn}'),
    );
  });

  test('the download role reads the inputs and writes under runs/', () => {
    const role = logicalIdOf(stack, download.role!);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
    const text = JSON.stringify(statements);
    expect(text).toContain('s3:GetObject');
    expect(text).toContain('/inputs/*');
    expect(text).toContain('s3:PutObject');
    expect(text).toContain('/runs/*');
  });
});
