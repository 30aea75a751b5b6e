import { readFileSync } from 'node:fs';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../local-credentials';

/** The parts of a synthesized CloudFormation template the local runtime reads. */
export interface CloudFormationResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}
export interface CloudFormationTemplate {
  readonly Resources: Readonly<Record<string, CloudFormationResource>>;
  readonly Outputs?: Readonly<Record<string, { Value: unknown }>>;
}

/** A template value the offline resolver cannot compute. */
export class UnresolvableTemplateValueError extends Error {
  public constructor(what: string) {
    super(`cannot resolve ${what} offline`);
    this.name = 'UnresolvableTemplateValueError';
  }
}

export function loadTemplate(path: string): CloudFormationTemplate {
  return JSON.parse(readFileSync(path, 'utf8')) as CloudFormationTemplate;
}

export function findResources(template: CloudFormationTemplate, type: string): Record<string, CloudFormationResource> {
  return Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type === type));
}

const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SSM::Document': 'Name',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::IAM::Role': 'RoleName',
};

const PSEUDO: Readonly<Record<string, string>> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'ClusterUpdateLocal',
  'AWS::NoValue': '',
};

/** A resource's physical name: its explicit name property, else a deterministic name from the logical id. */
export function physicalName(template: CloudFormationTemplate, logicalId: string): string {
  const resource = template.Resources[logicalId];
  if (!resource) throw new UnresolvableTemplateValueError(`Ref to unknown resource ${logicalId}`);
  const property = NAME_PROPERTY[resource.Type];
  const explicit = property ? resource.Properties?.[property] : undefined;
  return explicit !== undefined ? String(resolveValue(template, explicit)) : `local-${logicalId}`;
}

/** The ARN a resource would have, for Fn::GetAtt [id, Arn] and Ref of ARN-referenced resources. */
export function resourceArn(template: CloudFormationTemplate, logicalId: string): string {
  const resource = template.Resources[logicalId]!;
  const name = physicalName(template, logicalId);
  const prefix = `arn:aws`;
  switch (resource.Type) {
    case 'AWS::Lambda::Function':
      return `${prefix}:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `${prefix}:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;
    case 'AWS::DynamoDB::Table':
      return `${prefix}:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT}:table/${name}`;
    case 'AWS::SNS::Topic':
      return `${prefix}:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${name}`;
    case 'AWS::IAM::Role':
      return `${prefix}:iam::${LOCAL_ACCOUNT}:role/${name}`;
    case 'AWS::Logs::LogGroup':
      return `${prefix}:logs:${LOCAL_REGION}:${LOCAL_ACCOUNT}:log-group:${name}:*`;
    default:
      return `${prefix}:local:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${logicalId}`;
  }
}

/** Ref of a resource: what CloudFormation returns (a name, or an ARN for state machines and topics). */
function ref(template: CloudFormationTemplate, logicalId: string): string {
  if (logicalId in PSEUDO) return PSEUDO[logicalId]!;
  const resource = template.Resources[logicalId];
  if (!resource) throw new UnresolvableTemplateValueError(`Ref ${logicalId}`);
  if (resource.Type === 'AWS::StepFunctions::StateMachine' || resource.Type === 'AWS::SNS::Topic') return resourceArn(template, logicalId);
  return physicalName(template, logicalId);
}

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split and pseudo parameters, recursively. */
export function resolveValue(template: CloudFormationTemplate, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(template, v));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, argument] = entries[0]!;
    switch (key) {
      case 'Ref':
        return ref(template, String(argument));
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(argument) ? argument : String(argument).split('.');
        if (attribute === 'Arn') return resourceArn(template, String(id));
        if (attribute === 'StreamArn') return `${resourceArn(template, String(id))}/stream/local`;
        if (attribute === 'Name' || attribute === 'TopicName') return physicalName(template, String(id));
        throw new UnresolvableTemplateValueError(`Fn::GetAtt ${String(id)}.${String(attribute)}`);
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown[]];
        return (resolveValue(template, parts) as unknown[]).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [number | string, unknown];
        return (resolveValue(template, list) as unknown[])[Number(resolveValue(template, index))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return String(resolveValue(template, text)).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument) ? (argument as [string, Record<string, unknown>]) : [String(argument), {}];
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in variables) return String(resolveValue(template, variables[name]));
          const [id, attribute] = name.split('.');
          return attribute ? String(resolveValue(template, { 'Fn::GetAtt': [id, attribute] })) : ref(template, name);
        });
      }
      default:
        if (key.startsWith('Fn::')) throw new UnresolvableTemplateValueError(key);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(template, v)]));
}
