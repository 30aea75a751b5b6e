import { dynamodbAuthorizationRequests } from '../dynamodb/dynamodb-authorization';
import { DynamoDbError, type DynamoDbRequest } from '../dynamodb/dynamodb-fault-proxy';
import { Ec2Error, type Ec2Request } from '../ec2/ec2-stand-in';
import { AccessDenied, type AuthorizationRequest, type LocalIam } from './local-iam';

/** How each stand-in asks the local IAM, and answers a denial in its own service's words. */
export interface StandInAuthorizers {
  readonly ssm: (accessKeyId: string | undefined, requests: readonly AuthorizationRequest[]) => Promise<void>;
  readonly dynamodb: (call: DynamoDbRequest) => Promise<void>;
  readonly ec2: (call: Ec2Request) => Promise<void>;
}

/**
 * The authorizers of the SSM emulator, the DynamoDB proxy and the EC2 stand-in
 * over one LocalIam, shared by the in-process runtime and the control plane /
 * fleet supervisor pair, so both enforce the same policies the same way.
 */
export function standInAuthorizers(iam: LocalIam): StandInAuthorizers {
  const authorize = (accessKeyId: string | undefined, requests: readonly AuthorizationRequest[]) => iam.authorize(accessKeyId, requests);
  return {
    ssm: authorize,
    dynamodb: async (call) => {
      try {
        await authorize(call.accessKeyId, dynamodbAuthorizationRequests(call.operation, call.input));
      } catch (error) {
        if (error instanceof AccessDenied) throw new DynamoDbError('AccessDeniedException', error.message);
        throw error;
      }
    },
    ec2: async (call) => {
      try {
        await authorize(call.accessKeyId, [{ action: `ec2:${call.action}`, resource: '*' }]);
      } catch (error) {
        // EC2 names a denial UnauthorizedOperation, HTTP 403 (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
        if (error instanceof AccessDenied) throw new Ec2Error('UnauthorizedOperation', `You are not authorized to perform this operation. ${error.message}`, 403);
        throw error;
      }
    },
  };
}
