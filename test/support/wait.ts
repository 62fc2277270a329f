/** Poll `probe` every `everyMs` until it holds; fail naming `what` after `ms`. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, ms = 120_000, everyMs = 200) {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
