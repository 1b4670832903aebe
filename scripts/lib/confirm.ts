// Asks "apply?" on a terminal; off a terminal there is nobody to ask, so the caller must refuse instead.
import { createInterface } from 'node:readline/promises';

export function canPrompt(): boolean {
  return process.stdin.isTTY === true && process.stderr.isTTY === true;
}

/** True only when the user types "yes", as terraform apply asks: a stray Enter must not deploy. */
export async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await prompt.question(`${question} Only 'yes' will be accepted: `);
    return answer.trim() === 'yes';
  } finally {
    prompt.close();
  }
}
