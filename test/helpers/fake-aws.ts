// A loopback fake of the AWS JSON 1.1 APIs the real hashicorp/aws provider calls for test/fixtures/tf-aws: ECR, ECS, Logs.
// Requests are dispatched on X-Amz-Target; state lives in memory so a test can change it "outside Terraform".
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
/** Real ECS fills these in on every container definition it returns; the provider has to normalise them away. */
const ECS_CONTAINER_DEFAULTS = { cpu: 0, mountPoints: [], volumesFrom: [], systemControls: [] } as const;

type Json = Record<string, unknown>;
type Tag = { key: string; value: string };

export interface FakeTaskDefinition {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  status: 'ACTIVE' | 'INACTIVE';
  readonly body: Json;
  readonly tags: readonly Tag[];
}

export interface FakeService {
  readonly arn: string;
  readonly name: string;
  readonly cluster: string;
  taskDefinition: string;
  desiredCount: number;
  readonly body: Json;
  readonly tags: readonly Tag[];
}

export interface FakeLogGroup {
  readonly name: string;
  readonly arn: string;
  retentionInDays?: number;
  readonly tags: Readonly<Record<string, string>>;
}

export interface FakeRepository {
  readonly name: string;
  readonly arn: string;
  readonly uri: string;
  readonly body: Json;
  readonly tags: readonly Tag[];
}

/** Everything the fake holds; tests read it and edit it to simulate console changes. */
export interface FakeAwsState {
  readonly taskDefinitions: FakeTaskDefinition[];
  readonly services: Map<string, FakeService>;
  readonly logGroups: Map<string, FakeLogGroup>;
  readonly repositories: Map<string, FakeRepository>;
}

export interface FakeAws {
  readonly url: string;
  readonly state: FakeAwsState;
  /** Every operation called, e.g. "ecs.RegisterTaskDefinition", in order. */
  readonly calls: string[];
  /** Operations the fake does not implement; a test should assert this stays empty. */
  readonly unknown: string[];
  /** The APP_COMMIT of the task definition the named service runs: what its tasks' /health reports. */
  runningCommit(serviceName: string): string | undefined;
  close(): Promise<void>;
}

class AwsError extends Error {
  readonly type: string;
  readonly status: number;
  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

const now = (): number => Date.now() / 1000;

function str(input: Json, key: string): string {
  const value = input[key];
  if (typeof value !== 'string') throw new AwsError('InvalidParameterException', `${key} is required`);
  return value;
}

function ecsTags(raw: unknown): Tag[] {
  return Array.isArray(raw) ? (raw as Tag[]).map((tag) => ({ key: tag.key, value: tag.value })) : [];
}

function createEcs(state: FakeAwsState) {
  const findTaskDefinition = (reference: string): FakeTaskDefinition => {
    // An ARN, family:revision, or a family alone (its latest ACTIVE revision).
    const familyRevision = reference.replace(/^arn:aws:ecs:[^:]+:\d+:task-definition\//, '');
    const [family, revision] = familyRevision.split(':');
    const candidates = state.taskDefinitions.filter((td) => td.family === family && (revision === undefined ? td.status === 'ACTIVE' : td.revision === Number(revision)));
    const found = candidates.at(-1);
    if (found === undefined) throw new AwsError('ClientException', 'Unable to describe task definition.');
    return found;
  };
  const describeTaskDefinition = (td: FakeTaskDefinition): Json => ({
    ...td.body,
    taskDefinitionArn: td.arn,
    family: td.family,
    revision: td.revision,
    status: td.status,
  });
  const serviceKey = (cluster: string, name: string): string => `${cluster.replace(/^.*\//, '')}/${name}`;
  const describeService = (service: FakeService): Json => ({
    ...service.body,
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${service.cluster}`,
    taskDefinition: service.taskDefinition,
    desiredCount: service.desiredCount,
    runningCount: service.desiredCount,
    pendingCount: 0,
    status: 'ACTIVE',
    deployments: [
      {
        id: 'ecs-svc/1',
        status: 'PRIMARY',
        taskDefinition: service.taskDefinition,
        desiredCount: service.desiredCount,
        runningCount: service.desiredCount,
        pendingCount: 0,
        rolloutState: 'COMPLETED',
        createdAt: now(),
        updatedAt: now(),
      },
    ],
    events: [],
  });
  const resourceTags = (arn: string): readonly Tag[] => {
    const tagged = state.taskDefinitions.find((candidate) => candidate.arn === arn) ?? [...state.services.values()].find((candidate) => candidate.arn === arn);
    if (tagged === undefined) throw new AwsError('InvalidParameterException', `The specified resource ${arn} is not found.`);
    return tagged.tags;
  };

  return {
    RegisterTaskDefinition(input: Json): Json {
      const family = str(input, 'family');
      const revision = state.taskDefinitions.filter((td) => td.family === family).length + 1;
      const containers = Array.isArray(input.containerDefinitions) ? (input.containerDefinitions as Json[]) : [];
      const { tags, ...body } = input;
      const td: FakeTaskDefinition = {
        arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`,
        family,
        revision,
        status: 'ACTIVE',
        body: {
          ...body,
          // What ECS adds: defaults in each container, host ports mirrored in awsvpc mode, registration facts.
          containerDefinitions: containers.map((container) => ({
            ...ECS_CONTAINER_DEFAULTS,
            ...container,
            portMappings: ((container.portMappings as Json[] | undefined) ?? []).map((mapping) => ({ hostPort: mapping.containerPort, ...mapping })),
          })),
          compatibilities: ['EC2', 'FARGATE'],
          requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
          registeredAt: now(),
          registeredBy: `arn:aws:iam::${ACCOUNT}:user/fake`,
        },
        tags: ecsTags(tags),
      };
      state.taskDefinitions.push(td);
      return { taskDefinition: describeTaskDefinition(td), tags: td.tags };
    },
    DescribeTaskDefinition(input: Json): Json {
      const td = findTaskDefinition(str(input, 'taskDefinition'));
      return { taskDefinition: describeTaskDefinition(td), tags: td.tags };
    },
    DeregisterTaskDefinition(input: Json): Json {
      const td = findTaskDefinition(str(input, 'taskDefinition'));
      td.status = 'INACTIVE';
      return { taskDefinition: describeTaskDefinition(td) };
    },
    CreateService(input: Json): Json {
      const cluster = typeof input.cluster === 'string' ? input.cluster : 'default';
      const name = str(input, 'serviceName');
      const { tags, cluster: _cluster, serviceName: _name, taskDefinition, desiredCount, clientToken: _token, ...body } = input;
      const service: FakeService = {
        arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster}/${name}`,
        name,
        cluster,
        taskDefinition: findTaskDefinition(String(taskDefinition)).arn,
        desiredCount: typeof desiredCount === 'number' ? desiredCount : 0,
        body: { ...body, createdAt: now() },
        tags: ecsTags(tags),
      };
      state.services.set(serviceKey(cluster, name), service);
      return { service: describeService(service) };
    },
    DescribeServices(input: Json): Json {
      const cluster = typeof input.cluster === 'string' ? input.cluster : 'default';
      const services: Json[] = [];
      const failures: Json[] = [];
      for (const name of (input.services as string[] | undefined) ?? []) {
        const service = state.services.get(serviceKey(cluster, name.replace(/^.*\//, '')));
        if (service === undefined) failures.push({ arn: name, reason: 'MISSING' });
        else services.push({ ...describeService(service), ...(Array.isArray(input.include) && input.include.includes('TAGS') ? { tags: service.tags } : {}) });
      }
      return { services, failures };
    },
    UpdateService(input: Json): Json {
      const cluster = typeof input.cluster === 'string' ? input.cluster : 'default';
      const service = state.services.get(serviceKey(cluster, str(input, 'service').replace(/^.*\//, '')));
      if (service === undefined) throw new AwsError('ServiceNotFoundException', 'Service not found.');
      if (typeof input.taskDefinition === 'string') service.taskDefinition = findTaskDefinition(input.taskDefinition).arn;
      if (typeof input.desiredCount === 'number') service.desiredCount = input.desiredCount;
      return { service: describeService(service) };
    },
    ListTagsForResource(input: Json): Json {
      return { tags: resourceTags(str(input, 'resourceArn')) };
    },
  };
}

function createLogs(state: FakeAwsState) {
  const group = (name: string): FakeLogGroup => {
    const found = state.logGroups.get(name);
    if (found === undefined) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return found;
  };
  const byArn = (arn: string): FakeLogGroup => group(arn.replace(/^arn:aws:logs:[^:]+:\d+:log-group:/, '').replace(/:\*$/, ''));
  return {
    CreateLogGroup(input: Json): Json {
      const name = str(input, 'logGroupName');
      if (state.logGroups.has(name)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
      state.logGroups.set(name, { name, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}`, tags: { ...((input.tags as Record<string, string> | undefined) ?? {}) } });
      return {};
    },
    PutRetentionPolicy(input: Json): Json {
      group(str(input, 'logGroupName')).retentionInDays = Number(input.retentionInDays);
      return {};
    },
    DescribeLogGroups(input: Json): Json {
      const prefix = typeof input.logGroupNamePrefix === 'string' ? input.logGroupNamePrefix : '';
      const logGroups: Json[] = [];
      for (const item of state.logGroups.values()) {
        if (!item.name.startsWith(prefix)) continue;
        logGroups.push({
          logGroupName: item.name,
          arn: `${item.arn}:*`,
          logGroupArn: item.arn,
          creationTime: 1_700_000_000_000,
          metricFilterCount: 0,
          storedBytes: 0,
          logGroupClass: 'STANDARD',
          ...(item.retentionInDays === undefined ? {} : { retentionInDays: item.retentionInDays }),
        });
      }
      return { logGroups };
    },
    ListTagsForResource(input: Json): Json {
      return { tags: byArn(str(input, 'resourceArn')).tags };
    },
  };
}

function createEcr(state: FakeAwsState) {
  const repository = (name: string): FakeRepository => {
    const found = state.repositories.get(name);
    if (found === undefined) throw new AwsError('RepositoryNotFoundException', `The repository with name '${name}' does not exist in the registry with id '${ACCOUNT}'`);
    return found;
  };
  const byArn = (arn: string): FakeRepository => repository(arn.replace(/^arn:aws:ecr:[^:]+:\d+:repository\//, ''));
  const describe = (repo: FakeRepository): Json => ({ ...repo.body, repositoryArn: repo.arn, repositoryName: repo.name, repositoryUri: repo.uri, registryId: ACCOUNT });
  const ecrTags = (raw: unknown): Tag[] => (Array.isArray(raw) ? (raw as Array<{ Key: string; Value: string }>).map((tag) => ({ key: tag.Key, value: tag.Value })) : []);
  const asEcrTags = (tags: readonly Tag[]): Json[] => tags.map((tag) => ({ Key: tag.key, Value: tag.value }));
  return {
    CreateRepository(input: Json): Json {
      const name = str(input, 'repositoryName');
      if (state.repositories.has(name)) throw new AwsError('RepositoryAlreadyExistsException', `The repository with name '${name}' already exists`);
      const { tags, repositoryName: _name, ...body } = input;
      const repo: FakeRepository = {
        name,
        arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`,
        uri: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}`,
        body: { imageTagMutability: 'MUTABLE', imageScanningConfiguration: { scanOnPush: false }, encryptionConfiguration: { encryptionType: 'AES256' }, ...body, createdAt: now() },
        tags: ecrTags(tags),
      };
      state.repositories.set(name, repo);
      return { repository: describe(repo) };
    },
    DescribeRepositories(input: Json): Json {
      const names = (input.repositoryNames as string[] | undefined) ?? [...state.repositories.keys()];
      return { repositories: names.map((name) => describe(repository(name))) };
    },
    ListTagsForResource(input: Json): Json {
      return { tags: asEcrTags(byArn(str(input, 'resourceArn')).tags) };
    },
  };
}

/** X-Amz-Target prefix → short service name used in `calls`. */
const TARGET_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['AmazonEC2ContainerServiceV20141113.', 'ecs'],
  ['Logs_20140328.', 'logs'],
  ['AmazonEC2ContainerRegistry_V20150921.', 'ecr'],
];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: Json): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fake-request' });
  res.end(JSON.stringify(body));
}

export async function startFakeAws(): Promise<FakeAws> {
  const state: FakeAwsState = { taskDefinitions: [], services: new Map(), logGroups: new Map(), repositories: new Map() };
  const handlers: Record<string, Record<string, (input: Json) => Json>> = { ecs: createEcs(state), logs: createLogs(state), ecr: createEcr(state) };
  const calls: string[] = [];
  const unknown: string[] = [];

  const server = createServer((req, res) => {
    void readBody(req).then((text) => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const prefix = TARGET_PREFIXES.find(([candidate]) => target.startsWith(candidate));
      const operation = prefix === undefined ? target : `${prefix[1]}.${target.slice(prefix[0].length)}`;
      calls.push(operation);
      const handler = prefix === undefined ? undefined : handlers[prefix[1]]?.[target.slice(prefix[0].length)];
      if (handler === undefined) {
        unknown.push(operation || `${req.method ?? ''} ${req.url ?? ''}`);
        reply(res, 400, { __type: 'UnknownOperationException', message: `the fake does not implement ${operation}` });
        return;
      }
      try {
        reply(res, 200, handler(text === '' ? {} : (JSON.parse(text) as Json)));
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        reply(res, error.status, { __type: error.type, message: error.message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    calls,
    unknown,
    runningCommit(serviceName) {
      const service = [...state.services.values()].find((candidate) => candidate.name === serviceName);
      const td = service === undefined ? undefined : state.taskDefinitions.find((candidate) => candidate.arn === service.taskDefinition);
      const containers = (td?.body.containerDefinitions as Json[] | undefined) ?? [];
      const environment = (containers[0]?.environment as Array<{ name: string; value: string }> | undefined) ?? [];
      return environment.find((variable) => variable.name === 'APP_COMMIT')?.value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
