/** RFC 8187 percent-encoding of a UTF-8 file name, for `filename*=UTF-8''…`. */
export const rfc8187 = (name: string) => encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** A plain-ASCII stand-in for clients that ignore `filename*`. */
export const asciiFallback = (name: string) => name.replace(/[^\x20-\x7e]|["\\%]/g, '_');

/** `attachment` with an ASCII name and the real (e.g. Chinese) one per RFC 6266 / RFC 5987. */
export const attachment = (name: string, ascii = asciiFallback(name)) => `attachment; filename="${asciiFallback(ascii)}"; filename*=UTF-8''${rfc8187(name)}`;
