// ECR repository URLs: the registry host to log in to and the region, parsed from <account>.dkr.ecr.<region>.amazonaws.com/<name>.
import { ExitError } from './errors.ts';

export interface EcrRepository {
  readonly url: string;
  readonly registryHost: string;
  readonly region: string;
}

/** Private ECR registry hosts, commercial, FIPS and China partitions (docs.aws.amazon.com/AmazonECR/latest/userguide/Registries.html). */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com(?:\.cn)?$/;

export function parseEcrRepositoryUrl(url: string): EcrRepository {
  const slash = url.indexOf('/');
  const registryHost = slash === -1 ? url : url.slice(0, slash);
  const match = ECR_HOST.exec(registryHost);
  if (match === null || slash === -1 || slash === url.length - 1) {
    throw new ExitError(1, `ecr_repository_url ${JSON.stringify(url)} is not <account>.dkr.ecr.<region>.amazonaws.com/<repository>`);
  }
  return { url, registryHost, region: match[2] ?? '' };
}

/** AWS_REGION, then AWS_DEFAULT_REGION (the CLI's order), then the region in the repository URL. */
export function regionFor(repository: EcrRepository, env: NodeJS.ProcessEnv = process.env): string {
  return env.AWS_REGION || env.AWS_DEFAULT_REGION || repository.region;
}
