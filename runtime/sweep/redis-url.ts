/**
 * A Redis URL as `agora sweep --queue` and `agora worker` take it, checked without loading
 * the queue library (the CLI checks it before anything is made).
 */
export function parseRedisUrl(url: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:"))
    throw new Error(`${url}: expected a Redis URL such as redis://localhost:6379`);
  return parsed;
}
