// The baseline of `npm run bench:dispatch`: a workflow that does nothing, so starting N of them measures what the
// Temporal server itself costs per workflow start on this machine.
export async function noop(): Promise<void> {}
