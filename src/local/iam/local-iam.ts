import type { runSimulation as RunSimulation } from '@cloud-copilot/iam-simulate';
import type { InvocationCredentials } from '../../aws/invocation-credentials';
import { LOCAL_ACCOUNT } from '../local-credentials';
import type { CloudFormationTemplate } from '../template';
import { functionRoles, type FunctionRole } from './function-roles';

/** One IAM authorization a call needs: an action on a resource, with the condition keys the request carries. */
export interface AuthorizationRequest {
  readonly action: string;
  /** The resource ARN, or "*" for actions that support no resource types. */
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

/** What the role does not allow, as AWS words it (`User: … is not authorized to perform: … on resource: …`). */
export class AccessDenied extends Error {
  public constructor(public readonly principal: string, public readonly request: AuthorizationRequest, reason: string) {
    super(`User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} because ${reason}`);
    this.name = 'AccessDenied';
  }
}

const ACCESS_KEY_PREFIX = 'LOCALFN';

/** The credentials a local function signs with: its access key id names it, so the stand-ins know whose role applies. */
export function functionCredentials(functionLogicalId: string): InvocationCredentials {
  return { accessKeyId: `${ACCESS_KEY_PREFIX}${functionLogicalId}`, secretAccessKey: 'local' };
}

/**
 * IAM as AWS evaluates it, for the Lambda functions of the synthesized
 * template: each call a function makes (recognized by its access key id, see
 * functionCredentials) is evaluated against its role's identity policies with
 * @cloud-copilot/iam-simulate (real resource ARNs, condition keys such as
 * `ssm:resourceTag/…`; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * Calls signed with any other key (the operator's CLI, tests) are not restricted.
 */
export class LocalIam {
  /**
   * The evaluator, or undefined where it is not installed. @cloud-copilot/iam-simulate is AGPL-3.0 while this
   * project is Apache-2.0, so it is a devDependency, loaded only here: a checkout (tests, CI, `npm start`)
   * enforces IAM; an installed CLI (`npm i -g`) runs its local runtime without, and says so once.
   */
  public static ifAvailable(template: CloudFormationTemplate): LocalIam | undefined {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runSimulation } = require('@cloud-copilot/iam-simulate') as { runSimulation: typeof RunSimulation };
      return new LocalIam(template, runSimulation);
    } catch (error) {
      if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
      process.stderr.write('cluster-update: local IAM is not enforced (the dev dependency @cloud-copilot/iam-simulate is not installed)\n');
      return undefined;
    }
  }

  private readonly roles: ReadonlyMap<string, FunctionRole>;
  /** The policies never change while the runtime runs, so a decision is computed once per (principal, request). */
  private readonly decisions = new Map<string, Promise<string | undefined>>();

  public constructor(template: CloudFormationTemplate, private readonly runSimulation: typeof RunSimulation) {
    this.roles = new Map(functionRoles(template).map((role) => [functionCredentials(role.functionLogicalId).accessKeyId, role]));
  }

  /** The function a key belongs to, if it is a function's. */
  public roleOf(accessKeyId: string | undefined): FunctionRole | undefined {
    return accessKeyId ? this.roles.get(accessKeyId) : undefined;
  }

  /** Throws AccessDenied for the first request the caller's role does not allow. */
  public async authorize(accessKeyId: string | undefined, requests: readonly AuthorizationRequest[]): Promise<void> {
    const role = this.roleOf(accessKeyId);
    if (!role) return;
    for (const request of requests) {
      const key = JSON.stringify([accessKeyId, request.action, request.resource, request.context ?? {}]);
      let decision = this.decisions.get(key);
      if (!decision) this.decisions.set(key, (decision = this.decide(role, request)));
      const reason = await decision;
      if (reason !== undefined) throw new AccessDenied(role.sessionArn, request, reason);
    }
  }

  /** Why the role does not allow the request, or undefined when it does. */
  private async decide(role: FunctionRole, request: AuthorizationRequest): Promise<string | undefined> {
    const answer = await this.runSimulation(
        {
          identityPolicies: role.policies.map((p) => ({ name: p.name, policy: p.policy as never })),
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: { action: request.action, principal: role.sessionArn, resource: { resource: request.resource, accountId: LOCAL_ACCOUNT }, contextVariables: { ...request.context } },
        } as Parameters<typeof RunSimulation>[0],
        {},
      );
    if (answer.resultType === 'error') return `the local IAM evaluator refused the request: ${JSON.stringify(answer.errors)}`;
    if (answer.overallResult === 'Allowed') return undefined;
    return answer.overallResult === 'ExplicitlyDenied' ? `an explicit deny in an identity-based policy denies the ${request.action} action` : `no identity-based policy allows the ${request.action} action`;
  }
}
