// What production is, read from terraform/: the ALB's idle timeout and redirect, the target group, the service and its task.
import { ExitError } from '../errors.ts';
import { describe, isList, isObject, Unknown, type Value } from '../hcl-functions.ts';
import { TerraformConfig, type ResourceBlock } from '../terraform-config.ts';

export interface HealthCheckSettings {
  readonly path: string;
  /** The success codes, as the target group writes them: "200", "200,202" or "200-299". */
  readonly matcher: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface ProductionSettings {
  /** aws_lb idle_timeout: how long a connection (client or target side) may be idle. */
  readonly idleTimeoutMs: number;
  /** The HTTP listener's redirect action: its status code (301 or 302). */
  readonly redirectStatus: number;
  readonly deregistrationDelayMs: number;
  readonly healthCheck: HealthCheckSettings;
  /** aws_ecs_service desired_count. */
  readonly desiredCount: number;
  /** The container's stopTimeout: how long ECS waits after SIGTERM before SIGKILL. */
  readonly stopTimeoutMs: number;
  /** The container environment the task definition sets, where it is known without AWS. */
  readonly environment: Readonly<Record<string, string>>;
  /** Variables whose value only AWS knows (the VPC CIDR, ...), with the reason. */
  readonly unknownEnvironment: Readonly<Record<string, string>>;
  /** Names of the secrets ECS would inject from Secrets Manager or SSM. */
  readonly secretNames: readonly string[];
}

/** ECS's stopTimeout when the container definition sets none (ContainerDefinition.stopTimeout). */
const ECS_DEFAULT_STOP_TIMEOUT_S = 30;
const REDIRECT_CODES: Readonly<Record<string, number>> = { HTTP_301: 301, HTTP_302: 302 };

/**
 * What a deployment knows and the files do not, for a deployment with HTTPS on (a certificate on the ALB): the image
 * tag, which becomes APP_COMMIT, and `local.https_enabled`, which the root derives from the certificate variables.
 */
export function rehearsalOverrides(imageTag: string): { variables: Record<string, Value>; locals: Record<string, Value> } {
  return { variables: { image_tag: imageTag }, locals: { https_enabled: true } };
}

function only(config: TerraformConfig, type: string): ResourceBlock {
  const found = config.resources(type);
  const [first] = found;
  if (found.length !== 1 || first === undefined) {
    throw new ExitError(1, `${config.dir} has ${found.length} ${type} resources; the local rehearsal follows exactly one`);
  }
  return first;
}

function firstBlock(resource: ResourceBlock, name: string): Readonly<Record<string, unknown>> {
  const blocks = resource.body[name];
  const [block] = Array.isArray(blocks) ? (blocks as unknown[]) : [];
  if (block === null || typeof block !== 'object') throw new ExitError(1, `${resource.file}: ${resource.address} has no ${name} block`);
  return block as Record<string, unknown>;
}

/** An argument as a known value; missing or unknown is an error naming the argument. */
async function argument(config: TerraformConfig, resource: ResourceBlock, block: Readonly<Record<string, unknown>>, name: string): Promise<Value> {
  if (!(name in block)) throw new ExitError(1, `${resource.file}: ${resource.address} sets no ${name}; the local rehearsal reads it from there`);
  const value = await config.evaluate(block[name], resource.file);
  if (value instanceof Unknown) throw new ExitError(1, `${resource.file}: ${resource.address} ${name} is not known before apply (${value.reason})`);
  return value;
}

async function numberArgument(config: TerraformConfig, resource: ResourceBlock, block: Readonly<Record<string, unknown>>, name: string): Promise<number> {
  const value = await argument(config, resource, block, name);
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
    throw new ExitError(1, `${resource.file}: ${resource.address} ${name} must be a number of at least 0, got ${describe(value)}`);
  }
  return number;
}

async function stringArgument(config: TerraformConfig, resource: ResourceBlock, block: Readonly<Record<string, unknown>>, name: string): Promise<string> {
  const value = await argument(config, resource, block, name);
  if (typeof value !== 'string' && typeof value !== 'number') throw new ExitError(1, `${resource.file}: ${resource.address} ${name} must be a string, got ${describe(value)}`);
  return String(value);
}

async function readHealthCheck(config: TerraformConfig, group: ResourceBlock): Promise<HealthCheckSettings> {
  const check = firstBlock(group, 'health_check');
  const protocol = 'protocol' in check ? await stringArgument(config, group, check, 'protocol') : 'HTTP';
  const port = 'port' in check ? await stringArgument(config, group, check, 'port') : 'traffic-port';
  if (protocol !== 'HTTP' || port !== 'traffic-port') {
    throw new ExitError(1, `${group.file}: ${group.address} health checks use ${protocol} on ${port}; the local rehearsal checks only HTTP on the traffic port`);
  }
  return {
    path: await stringArgument(config, group, check, 'path'),
    matcher: await stringArgument(config, group, check, 'matcher'),
    intervalMs: (await numberArgument(config, group, check, 'interval')) * 1000,
    timeoutMs: (await numberArgument(config, group, check, 'timeout')) * 1000,
    healthyThreshold: await numberArgument(config, group, check, 'healthy_threshold'),
    unhealthyThreshold: await numberArgument(config, group, check, 'unhealthy_threshold'),
  };
}

/** The status of the listener action that redirects to HTTPS, whether written as a plain or a dynamic block. */
async function readRedirectStatus(config: TerraformConfig): Promise<number> {
  for (const listener of config.resources('aws_lb_listener')) {
    const actions: unknown[] = [];
    const plain = listener.body.default_action;
    if (Array.isArray(plain)) actions.push(...(plain as unknown[]));
    const dynamic = listener.body.dynamic as Record<string, unknown> | undefined;
    for (const block of Array.isArray(dynamic?.default_action) ? (dynamic.default_action as Array<{ content?: unknown }>) : []) {
      if (Array.isArray(block.content)) actions.push(...(block.content as unknown[]));
    }
    for (const action of actions as Array<Record<string, unknown>>) {
      if (action.type !== 'redirect') continue;
      const redirect = { ...listener, body: action };
      const settings = firstBlock(redirect, 'redirect');
      const protocol = await stringArgument(config, redirect, settings, 'protocol');
      const code = await stringArgument(config, redirect, settings, 'status_code');
      const status = REDIRECT_CODES[code];
      if (protocol !== 'HTTPS' || status === undefined) continue;
      return status;
    }
  }
  throw new ExitError(1, `${config.dir} has no aws_lb_listener that redirects to HTTPS; the local rehearsal's HTTP listener does what it does`);
}

interface Container {
  readonly environment: Record<string, string>;
  readonly unknownEnvironment: Record<string, string>;
  readonly secretNames: string[];
  readonly stopTimeoutMs: number;
}

/** The container the service puts behind the target group, from the task definition's container_definitions. */
async function readContainer(config: TerraformConfig, service: ResourceBlock): Promise<Container> {
  const task = only(config, 'aws_ecs_task_definition');
  if (!('container_definitions' in task.body)) throw new ExitError(1, `${task.file}: ${task.address} sets no container_definitions`);
  const definitions = await config.evaluateDocument(task.body.container_definitions, task.file);
  if (!isList(definitions)) throw new ExitError(1, `${task.file}: ${task.address} container_definitions is not a list of containers`);
  const wanted = await stringArgument(config, service, firstBlock(service, 'load_balancer'), 'container_name');
  const container = definitions.find((definition) => isObject(definition) && definition.name === wanted);
  if (container === undefined || !isObject(container)) throw new ExitError(1, `${task.file}: ${task.address} has no container named ${JSON.stringify(wanted)}`);

  const environment: Record<string, string> = {};
  const unknownEnvironment: Record<string, string> = {};
  const declared = container.environment ?? null;
  for (const entry of isList(declared) ? declared : []) {
    if (!isObject(entry) || typeof entry.name !== 'string') continue;
    const value = entry.value ?? null;
    if (value instanceof Unknown) unknownEnvironment[entry.name] = value.reason;
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') environment[entry.name] = String(value);
    else throw new ExitError(1, `${task.file}: ${task.address} environment ${entry.name} is ${describe(value)}, not a string`);
  }
  const secretNames: string[] = [];
  const secrets = container.secrets ?? null;
  for (const entry of isList(secrets) ? secrets : []) {
    if (isObject(entry) && typeof entry.name === 'string') secretNames.push(entry.name);
  }
  const stopTimeout = container.stopTimeout ?? ECS_DEFAULT_STOP_TIMEOUT_S;
  if (typeof stopTimeout !== 'number') throw new ExitError(1, `${task.file}: ${task.address} stopTimeout is ${describe(stopTimeout)}, not a number`);
  return { environment, unknownEnvironment, secretNames, stopTimeoutMs: stopTimeout * 1000 };
}

/** Reads production's settings from the Terraform root in `dir`, with variable defaults and the rehearsal's overrides. */
export async function readProductionSettings(dir: string, imageTag: string): Promise<ProductionSettings> {
  const config = await TerraformConfig.read(dir, rehearsalOverrides(imageTag));
  const alb = only(config, 'aws_lb');
  const group = only(config, 'aws_lb_target_group');
  const service = only(config, 'aws_ecs_service');
  const container = await readContainer(config, service);
  return {
    idleTimeoutMs: (await numberArgument(config, alb, alb.body, 'idle_timeout')) * 1000,
    redirectStatus: await readRedirectStatus(config),
    deregistrationDelayMs: (await numberArgument(config, group, group.body, 'deregistration_delay')) * 1000,
    healthCheck: await readHealthCheck(config, group),
    desiredCount: await numberArgument(config, service, service.body, 'desired_count'),
    ...container,
  };
}
