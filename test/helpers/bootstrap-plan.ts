// Plans terraform/bootstrap with the real hashicorp/aws provider, offline: a loopback STS answers GetCallerIdentity.
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { copyTerraformTree, findPluginDir, runTerraform, type TerraformResult } from './terraform.ts';

export const ACCOUNT_ID = '123456789012';
export const REGION = 'eu-west-1';

/** The bootstrap's required variables, as a test account would set them. */
const VARIABLES: Readonly<Record<string, string>> = {
  state_bucket_name: 'acme-hello-service-tfstate',
  github_owner: 'acme',
  github_repository: 'hello-service',
  github_owner_id: '1234567',
  github_repository_id: '987654321',
};

const CALLER_IDENTITY = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
<GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT_ID}:user/offline</Arn><UserId>AIDAOFFLINE</UserId><Account>${ACCOUNT_ID}</Account></GetCallerIdentityResult>
<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`;

/** The one STS call a plan of the bootstrap makes (data "aws_caller_identity"); anything else is answered 400. */
async function startFakeSts(): Promise<Server> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (new URLSearchParams(body).get('Action') === 'GetCallerIdentity') {
        response.writeHead(200, { 'content-type': 'text/xml' }).end(CALLER_IDENTITY);
      } else {
        response.writeHead(400, { 'content-type': 'text/plain' }).end(`not faked: ${body}`);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

function providerOverride(stsPort: number): string {
  return `provider "aws" {
  region                      = "${REGION}"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    sts = "http://127.0.0.1:${String(stsPort)}"
  }
}
`;
}

function check(result: TerraformResult, what: string): void {
  if (result.code !== 0) throw new Error(`terraform ${what} failed (exit ${String(result.code)}):\n${result.stdout}${result.stderr}`);
}

/** `terraform show -json` of a fresh plan of the bootstrap (nothing exists yet, so every policy is as planned). */
export async function planBootstrap(): Promise<unknown> {
  const tree = copyTerraformTree();
  const sts = await startFakeSts();
  try {
    const cwd = path.join(tree, 'bootstrap');
    writeFileSync(path.join(cwd, 'zz_offline_override.tf'), providerOverride((sts.address() as AddressInfo).port));
    check(await runTerraform(['init', '-backend=false', `-plugin-dir=${findPluginDir() ?? ''}`, '-input=false', '-no-color'], cwd), 'init');
    const variables = Object.entries(VARIABLES).map(([name, value]) => `-var=${name}=${value}`);
    check(await runTerraform(['plan', '-input=false', '-no-color', '-out=bootstrap.tfplan', ...variables], cwd), 'plan');
    const show = await runTerraform(['show', '-json', 'bootstrap.tfplan'], cwd);
    check(show, 'show -json');
    return JSON.parse(show.stdout) as unknown;
  } finally {
    sts.close();
    rmSync(tree, { recursive: true, force: true });
  }
}
