// One stack for the browser tests; its URL and token reach the tests
// through the environment.
import { startStack } from '../support/stack.mjs';

export default async function globalSetup() {
  const stack = await startStack();
  process.env.IMGHOST_URL = stack.url;
  process.env.IMGHOST_TOKEN = stack.token;
  return () => stack.stop();
}
