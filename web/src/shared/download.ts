import { ApiError, loadSession, OfflineError } from '@/api/client';

/** The file name the API gave in Content-Disposition (the UTF-8 one when present), or the fallback. */
function fileNameOf(disposition: string | null, fallback: string): string {
  const utf8 = disposition?.match(/filename\*=UTF-8''([^;]+)/i)?.[1];
  if (utf8) {
    try {
      return decodeURIComponent(utf8);
    } catch {
      // a malformed name: fall through to the plain one
    }
  }
  return disposition?.match(/filename="([^"]+)"/i)?.[1] ?? fallback;
}

/**
 * Download a file the API serves only with the bearer token (the Excel exports): fetch it, then hand the blob to
 * the browser through a temporary link, under the name the API gave it. Empty query values are left out.
 * Throws ApiError (with the field the API named) or OfflineError, as `must` does.
 */
export async function downloadFile(path: string, query: Record<string, string | undefined> = {}, fallbackName = 'export.xlsx'): Promise<void> {
  const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => Boolean(e[1])));
  const url = params.size ? `${path}?${params}` : path;
  const session = loadSession();
  let res: Response;
  try {
    res = await fetch(url, { headers: session ? { authorization: `Bearer ${session.token}` } : {} });
  } catch (err) {
    throw new OfflineError(err instanceof Error ? err.message : String(err));
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; field?: string } } | null;
    throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? res.statusText, body?.error?.field);
  }
  const blob = await res.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileNameOf(res.headers.get('content-disposition'), fallbackName);
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Give the browser time to start reading the blob before it is released.
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}
