import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { EC2_INSTANCE_ID } from '../../core/inventory/schema';
import type { SimulatedFleet } from '../fleet/simulated-fleet';
import { accessKeyOf } from '../http/aws-json-server';
import { readBody } from '../http/json-body';
import { closeServer, listenOnLoopback } from '../http/listen';
import { LOCAL_ACCOUNT } from '../local-credentials';

export interface Ec2StandInProps {
  readonly fleet: SimulatedFleet;
  /** Called with every request before it is answered; throw an Ec2Error to refuse it. @default allow */
  readonly authorize?: (request: Ec2Request) => void | Promise<void>;
}

/** One EC2 query-protocol call: its action, parameters and the access key that signed it. */
export interface Ec2Request {
  readonly action: string;
  readonly parameters: URLSearchParams;
  readonly accessKeyId?: string;
}

/** An EC2 error answer (`<Response><Errors><Error><Code>…`), e.g. InvalidInstanceID.NotFound. */
export class Ec2Error extends Error {
  public constructor(public readonly code: string, message: string, public readonly status = 400) {
    super(message);
    this.name = code;
  }
}

interface Filter {
  readonly name: string;
  readonly values: string[];
}

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

/**
 * The EC2 API subset the inventory reads, over the EC2 query protocol
 * (form-encoded POST, XML answers) that `@aws-sdk/client-ec2` speaks:
 * DescribeTags and DescribeInstances, for the simulated nodes whose ids are
 * EC2 instance ids (`i-` + 17 hex digits). Hybrid (`mi-`) nodes are not EC2
 * instances and are not listed, as on AWS.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
 */
export class Ec2StandIn {
  public static async start(props: Ec2StandInProps): Promise<Ec2StandIn> {
    const standIn = new Ec2StandIn(props);
    const { server, url } = await listenOnLoopback((request, response) => void standIn.handle(request, response));
    standIn.server = server;
    standIn.endpoint = url;
    return standIn;
  }

  public endpoint = '';
  private server?: Server;

  private constructor(private readonly props: Ec2StandInProps) {}

  public async stop(): Promise<void> {
    if (this.server) await closeServer(this.server);
    this.server = undefined;
  }

  private get instanceIds(): string[] {
    return this.props.fleet.nodeIds.filter((id) => EC2_INSTANCE_ID.test(id));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      const parameters = new URLSearchParams(await readBody(request));
      const action = parameters.get('Action') ?? '';
      await this.props.authorize?.({ action, parameters, accessKeyId: accessKeyOf(request) });
      let body: string;
      if (action === 'DescribeTags') body = this.describeTags(parameters);
      else if (action === 'DescribeInstances') body = this.describeInstances(parameters);
      else throw new Ec2Error('InvalidAction', `The action ${action || '(none)'} is not valid for this web service.`);
      send(response, 200, `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}"><requestId>${requestId}</requestId>${body}</${action}Response>`);
    } catch (error) {
      const known = error instanceof Ec2Error ? error : new Ec2Error('InternalError', (error as Error).message, 500);
      send(response, known.status, `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${xml(known.code)}</Code><Message>${xml(known.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`);
    }
  }

  /** Filters key, resource-id, resource-type, value (and tag:<key>); MaxResults 5–1000 with NextToken. */
  private describeTags(parameters: URLSearchParams): string {
    const filters = filtersOf(parameters);
    for (const f of filters) if (!['key', 'resource-id', 'resource-type', 'value'].includes(f.name) && !f.name.startsWith('tag:')) throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`);
    const rows = this.instanceIds.flatMap((id) => Object.entries(this.props.fleet.tagsOf(id)).map(([key, value]) => ({ id, key, value })));
    const matching = rows.filter((row) =>
      filters.every((f) => {
        if (f.name === 'key') return f.values.includes(row.key);
        if (f.name === 'resource-id') return f.values.includes(row.id);
        if (f.name === 'resource-type') return f.values.includes('instance');
        if (f.name === 'value') return f.values.includes(row.value);
        return f.values.includes(this.props.fleet.tagsOf(row.id)[f.name.slice(4)] ?? '\u0000');
      }),
    );
    const { page, nextToken } = paginate(matching, parameters, 5);
    const items = page.map((t) => `<item><resourceId>${t.id}</resourceId><resourceType>instance</resourceType><key>${xml(t.key)}</key><value>${xml(t.value)}</value></item>`).join('');
    return `<tagSet>${items}</tagSet>${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}`;
  }

  /** InstanceId.N (each must exist) or Filters (instance-id, tag:<key>, tag-key, instance-state-name); MaxResults only without InstanceIds. */
  private describeInstances(parameters: URLSearchParams): string {
    const requested = listOf(parameters, 'InstanceId');
    if (requested.length > 0 && parameters.has('MaxResults')) throw new Ec2Error('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
    for (const id of requested) {
      if (!/^i-[0-9a-f]{8}(?:[0-9a-f]{9})?$/.test(id)) throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`);
      if (!this.instanceIds.includes(id)) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    }
    const filters = filtersOf(parameters);
    const fleet = this.props.fleet;
    const state = (id: string) => (fleet.node(id).online ? { code: 16, name: 'running' } : { code: 80, name: 'stopped' });
    const matching = this.instanceIds
      .filter((id) => requested.length === 0 || requested.includes(id))
      .filter((id) =>
        filters.every((f) => {
          if (f.name === 'instance-id') return f.values.includes(id);
          if (f.name === 'instance-state-name') return f.values.includes(state(id).name);
          if (f.name === 'tag-key') return f.values.some((k) => k in fleet.tagsOf(id));
          if (f.name.startsWith('tag:')) return f.values.includes(fleet.tagsOf(id)[f.name.slice(4)] ?? '\u0000');
          throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`);
        }),
      );
    const { page, nextToken } = paginate(matching, parameters, 5);
    const reservations = page
      .map((id, index) => {
        const tags = Object.entries(fleet.tagsOf(id)).map(([key, value]) => `<item><key>${xml(key)}</key><value>${xml(value)}</value></item>`).join('');
        const { code, name } = state(id);
        return `<item><reservationId>r-${id.slice(2)}</reservationId><ownerId>${LOCAL_ACCOUNT}</ownerId><instancesSet><item><instanceId>${id}</instanceId><instanceState><code>${code}</code><name>${name}</name></instanceState><privateIpAddress>127.0.0.${1 + (index % 250)}</privateIpAddress><tagSet>${tags}</tagSet></item></instancesSet></item>`;
      })
      .join('');
    return `<reservationSet>${reservations}</reservationSet>${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}`;
  }
}

/** `Filter.N.Name` / `Filter.N.Value.M`, as the query protocol flattens a list of filters. */
function filtersOf(parameters: URLSearchParams): Filter[] {
  const filters: Filter[] = [];
  for (let n = 1; parameters.has(`Filter.${n}.Name`); n += 1) filters.push({ name: parameters.get(`Filter.${n}.Name`)!, values: listOf(parameters, `Filter.${n}.Value`) });
  return filters;
}

function listOf(parameters: URLSearchParams, prefix: string): string[] {
  const values: string[] = [];
  for (let m = 1; parameters.has(`${prefix}.${m}`); m += 1) values.push(parameters.get(`${prefix}.${m}`)!);
  return values;
}

function paginate<T>(items: readonly T[], parameters: URLSearchParams, minimum: number): { page: T[]; nextToken?: string } {
  const given = parameters.get('MaxResults');
  const maxResults = given === null ? 1000 : Number(given);
  if (!Number.isInteger(maxResults) || maxResults < minimum || maxResults > 1000) throw new Ec2Error('InvalidParameterValue', `Value ( ${given} ) for parameter maxResults is invalid. Expecting a value between ${minimum} and 1000.`);
  const token = parameters.get('NextToken');
  const start = token ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0) throw new Ec2Error('InvalidParameterValue', 'The nextToken is invalid');
  const page = items.slice(start, start + maxResults);
  return { page, nextToken: start + maxResults < items.length ? Buffer.from(String(start + maxResults)).toString('base64') : undefined };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function send(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}
