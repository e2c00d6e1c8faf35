// The image's HEALTHCHECK: exit 0 when /healthz answers 200 within 2 s,
// else 1. The slim image has no curl; Node's own fetch does the request.

// --8<-- [start:healthcheck]
export async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const port = process.env.PORT ?? "8080";
  process.exit((await healthy(`http://127.0.0.1:${port}/healthz`)) ? 0 : 1);
}
// --8<-- [end:healthcheck]
