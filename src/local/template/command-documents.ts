import type { SsmDocumentContent } from '../ssm/ssm-document';
import { findResources, resolveValue, type CloudFormationTemplate } from './index';

/** The SSM Command documents a template declares, with their resolved names and content. */
export function commandDocuments(template: CloudFormationTemplate): { name: string; content: SsmDocumentContent }[] {
  return Object.entries(findResources(template, 'AWS::SSM::Document')).map(([logicalId, resource]) => {
    const properties = resolveValue(template, resource.Properties ?? {}) as Record<string, unknown>;
    return {
      name: (properties.Name as string | undefined) ?? (resolveValue(template, { Ref: logicalId }) as string),
      content: (typeof properties.Content === 'string' ? JSON.parse(properties.Content) : properties.Content) as SsmDocumentContent,
    };
  });
}
