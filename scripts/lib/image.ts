// Builds the container image, logs in to ECR with the password on stdin only, and pushes: docker and aws, no shell.
import { join } from 'node:path';
import { regionFor, type EcrRepository } from './ecr.ts';
import { expectExit, runProcess, type Runner, type ToolDescription } from './process.ts';

export const DOCKER: ToolDescription = { program: 'docker', installHint: 'install Docker (https://docs.docker.com/get-docker/) or pass --skip-build / --image-tag' };
export const AWS_CLI: ToolDescription = { program: 'aws', installHint: 'install the AWS CLI v2 (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html)' };
/** A cold build with npm ci can take a while; a hung daemon should not hold the deploy forever. */
const BUILD_TIMEOUT_MS = 30 * 60 * 1000;
const PUSH_TIMEOUT_MS = 15 * 60 * 1000;
const LOGIN_TIMEOUT_MS = 60 * 1000;

export interface BuildOptions {
  readonly repository: EcrRepository;
  readonly tag: string;
  /** The build context: the repository root, whose Dockerfile is used. */
  readonly context: string;
  /** OCI labels, passed as the Dockerfile's ARG VERSION and ARG REVISION. */
  readonly version: string;
  readonly revision: string;
  /** docker --platform, matching the task's cpu_architecture (linux/amd64 for X86_64, linux/arm64 for ARM64). */
  readonly platform: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function imageReference(repository: EcrRepository, tag: string): string {
  return `${repository.url}:${tag}`;
}

export function buildArgs(options: BuildOptions): string[] {
  return [
    'build',
    '--platform', options.platform,
    '--file', join(options.context, 'Dockerfile'),
    '--tag', imageReference(options.repository, options.tag),
    '--build-arg', `VERSION=${options.version}`,
    '--build-arg', `REVISION=${options.revision}`,
    options.context,
  ];
}

export async function buildImage(options: BuildOptions, run: Runner = runProcess): Promise<void> {
  const result = await run('docker', buildArgs(options), { echo: true, prefix: '[docker] ', timeoutMs: BUILD_TIMEOUT_MS, env: options.env ?? process.env });
  expectExit(result, DOCKER, 'docker build', [0], { echoed: true });
}

/**
 * `aws ecr get-login-password | docker login --password-stdin`, without the pipe's shell: the password is
 * captured in memory and written to docker's stdin, so it never appears on a command line, in ps, or in a log.
 */
export async function loginToEcr(repository: EcrRepository, run: Runner = runProcess, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const region = regionFor(repository, env);
  const password = expectExit(
    await run('aws', ['ecr', 'get-login-password', '--region', region], { env, timeoutMs: LOGIN_TIMEOUT_MS }),
    AWS_CLI,
    'aws ecr get-login-password',
  ).stdout.trim();
  const login = await run('docker', ['login', '--username', 'AWS', '--password-stdin', repository.registryHost], {
    env,
    input: password,
    timeoutMs: LOGIN_TIMEOUT_MS,
  });
  expectExit(login, DOCKER, `docker login ${repository.registryHost}`);
}

export async function pushImage(repository: EcrRepository, tag: string, run: Runner = runProcess, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const result = await run('docker', ['push', imageReference(repository, tag)], { echo: true, prefix: '[docker] ', timeoutMs: PUSH_TIMEOUT_MS, env });
  expectExit(result, DOCKER, 'docker push', [0], { echoed: true });
}
