// The image adapter on a recording runner: docker build, ECR login with the password on stdin only, push, and failures.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseEcrRepositoryUrl } from '../scripts/lib/ecr.ts';
import { ExitError } from '../scripts/lib/errors.ts';
import { buildImage, loginToEcr, pushImage } from '../scripts/lib/image.ts';
import { commandLine, exited, recordingRunner } from './helpers/runner.ts';

const REPOSITORY = parseEcrRepositoryUrl('123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-service');
const PASSWORD = 'ecr-password-Zq81xT';
const SHA = '3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a';

test('build: the Dockerfile of the context, tagged for the repository, with the OCI label arguments and the platform', async () => {
  const { run, calls } = recordingRunner();
  const env = { PATH: '/usr/bin' };
  await buildImage({ repository: REPOSITORY, tag: SHA, context: '/src', version: '1.2.3', revision: SHA, platform: 'linux/arm64', env }, run);
  assert.deepEqual(calls.map(commandLine), [
    `docker build --platform linux/arm64 --file ${join('/src', 'Dockerfile')} --tag ${REPOSITORY.url}:${SHA} --build-arg VERSION=1.2.3 --build-arg REVISION=${SHA} /src`,
  ]);
  const [call] = calls;
  assert.equal(call?.options.echo, true, 'the build output is shown as it comes');
  assert.equal(call?.options.prefix, '[docker] ');
  assert.equal(call?.options.env, env);
  assert.equal(typeof call?.options.timeoutMs, 'number', 'a hung daemon cannot hold the deploy forever');
});

test('login: the password goes from aws to docker on stdin, never on a command line', async () => {
  const { run, calls } = recordingRunner((call) => (call.program === 'aws' ? exited(0, `${PASSWORD}\n`) : exited(0)));
  await loginToEcr(REPOSITORY, run, { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'ap-south-1' });
  assert.deepEqual(calls.map(commandLine), [
    'aws ecr get-login-password --region us-east-2',
    'docker login --username AWS --password-stdin 123456789012.dkr.ecr.eu-west-1.amazonaws.com',
  ]);
  assert.equal(calls[1]?.options.input, PASSWORD, 'the password, without its newline, on stdin');
  for (const call of calls) assert.ok(!call.args.join(' ').includes(PASSWORD));
  assert.equal(calls[0]?.options.input, undefined);
});

test('login: without AWS_REGION or AWS_DEFAULT_REGION the region is the repository URL\'s', async () => {
  const { run, calls } = recordingRunner((call) => (call.program === 'aws' ? exited(0, PASSWORD) : exited(0)));
  await loginToEcr(REPOSITORY, run, {});
  assert.equal(calls.map(commandLine)[0], 'aws ecr get-login-password --region eu-west-1');
});

test('login: a failing aws stops before docker, with the tail of its stderr', async () => {
  const { run, calls } = recordingRunner(() => exited(255, '', 'Unable to locate credentials. You can configure credentials by running "aws configure".\n'));
  await assert.rejects(
    loginToEcr(REPOSITORY, run, {}),
    (error: unknown) => error instanceof ExitError && error.message === 'aws ecr get-login-password failed (exit 255)\nUnable to locate credentials. You can configure credentials by running "aws configure".',
  );
  assert.equal(calls.length, 1);
});

test('push: docker push of the tagged image; a failure is one line (its output was already shown)', async () => {
  const { run, calls } = recordingRunner(() => exited(1, '', 'denied: not authorized\n'));
  await assert.rejects(pushImage(REPOSITORY, 'v1', run, {}), (error: unknown) => error instanceof ExitError && error.message === 'docker push failed (exit 1)');
  assert.deepEqual(calls.map(commandLine), [`docker push ${REPOSITORY.url}:v1`]);
  assert.equal(calls[0]?.options.echo, true);
});

test('a missing docker is named with how to install it or build elsewhere', async () => {
  const { run } = recordingRunner((call) => ({ kind: 'not-found', program: call.program }));
  await assert.rejects(
    buildImage({ repository: REPOSITORY, tag: 'v1', context: '/src', version: '1.0.0', revision: SHA, platform: 'linux/amd64' }, run),
    (error: unknown) => error instanceof ExitError && /^docker not found on PATH; install Docker \(.*\) or pass --skip-build \/ --image-tag$/.test(error.message),
  );
});
