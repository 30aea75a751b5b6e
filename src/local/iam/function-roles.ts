import { findResources, physicalName, resolveValue, type CloudFormationTemplate } from '../template';
import { LOCAL_ACCOUNT } from '../local-credentials';

/** An identity policy as IAM evaluates it. */
export interface NamedPolicy {
  readonly name: string;
  readonly policy: { readonly Version?: string; readonly Statement: unknown };
}

/** What a Lambda function may do: its role and the identity policies attached to it in the template. */
export interface FunctionRole {
  readonly functionLogicalId: string;
  readonly functionName: string;
  readonly roleName: string;
  /** The session ARN AWS names in a denial: `arn:aws:sts::<account>:assumed-role/<role>/<function>`. */
  readonly sessionArn: string;
  readonly policies: readonly NamedPolicy[];
}

/**
 * Each Lambda function's execution role and its identity policies, read from
 * the synthesized template: the role's inline `Policies` and every
 * `AWS::IAM::Policy` attached to it (`Roles: [{ Ref: role }]`), with every
 * intrinsic resolved to the local account, region and names. AWS-managed
 * policies (AWSLambdaBasicExecutionRole: CloudWatch Logs) are not included:
 * no local stand-in serves what they grant.
 */
export function functionRoles(template: CloudFormationTemplate): FunctionRole[] {
  const policies = Object.entries(findResources(template, 'AWS::IAM::Policy'));
  return Object.entries(findResources(template, 'AWS::Lambda::Function')).flatMap(([logicalId, resource]) => {
    const role = resource.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
    const roleId = role?.['Fn::GetAtt']?.[0];
    if (!roleId) return [];
    const roleResource = template.Resources[roleId];
    const inline = ((roleResource?.Properties?.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []).map((p) => ({ name: p.PolicyName, document: p.PolicyDocument }));
    const attached = policies
      .filter(([, policy]) => ((policy.Properties?.Roles as unknown[] | undefined) ?? []).some((r) => (r as { Ref?: string }).Ref === roleId))
      .map(([policyId, policy]) => ({ name: policyId, document: policy.Properties?.PolicyDocument }));
    const functionName = physicalName(template, logicalId);
    const roleName = physicalName(template, roleId);
    return [
      {
        functionLogicalId: logicalId,
        functionName,
        roleName,
        sessionArn: `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${functionName}`,
        policies: [...inline, ...attached].map(({ name, document }) => ({ name, policy: resolveValue(template, document) as NamedPolicy['policy'] })),
      },
    ];
  });
}
