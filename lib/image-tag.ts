// The image tag rule, shared by the deploy CLI (--image-tag) and the service (APP_COMMIT, which is the tag).
//
// It is the rule terraform/variables.tf enforces on var.image_tag, which production runs with: ECR allows up to 300
// characters, but the tag becomes APP_COMMIT, held to 64 like APP_VERSION. test/image-tag.test.ts feeds one table
// of tags to all three. Terraform's RE2 has no lookahead, so there `latest` is refused by a second condition.

/** 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit, and not `latest` (tags are immutable: deploy a commit). */
export const IMAGE_TAG_PATTERN = /^(?!latest$)[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;

/** The accepted form, as error messages name it. */
export const IMAGE_TAG_FORM = "1-64 characters of A-Z a-z 0-9 . _ -, starting with a letter or digit, and not 'latest' (e.g. a git commit SHA)";

export function isImageTag(tag: string): boolean {
  return IMAGE_TAG_PATTERN.test(tag);
}
