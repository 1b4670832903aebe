// ECR repository URLs: the registry host and region of each partition, refusals that name the expected form, the region order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseEcrRepositoryUrl, regionFor } from '../scripts/lib/ecr.ts';
import { ExitError } from '../scripts/lib/errors.ts';

test('commercial, FIPS and China registries: the host to log in to and the region', () => {
  for (const [url, registryHost, region] of [
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-service', '123456789012.dkr.ecr.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com/team/app', '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/hello', '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
  ] as const) {
    assert.deepEqual(parseEcrRepositoryUrl(url), { url, registryHost, region }, url);
  }
});

test('anything else is refused with the expected form', () => {
  for (const url of [
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/',
    'public.ecr.aws/abc/hello',
    'docker.io/library/node',
    '12345.dkr.ecr.eu-west-1.amazonaws.com/hello',
    '',
  ]) {
    assert.throws(
      () => parseEcrRepositoryUrl(url),
      (error: unknown) => error instanceof ExitError && error.message === `ecr_repository_url ${JSON.stringify(url)} is not <account>.dkr.ecr.<region>.amazonaws.com/<repository>`,
      url,
    );
  }
});

test("the region: AWS_REGION, then AWS_DEFAULT_REGION (the CLI's order), then the repository's", () => {
  const repository = parseEcrRepositoryUrl('123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello');
  assert.equal(regionFor(repository, { AWS_REGION: 'us-east-2', AWS_DEFAULT_REGION: 'ap-south-1' }), 'us-east-2');
  assert.equal(regionFor(repository, { AWS_DEFAULT_REGION: 'ap-south-1' }), 'ap-south-1');
  assert.equal(regionFor(repository, { AWS_REGION: '' }), 'eu-west-1');
  assert.equal(regionFor(repository, {}), 'eu-west-1');
});
