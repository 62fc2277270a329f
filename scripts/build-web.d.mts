// Types for scripts/build-web.mjs, imported by the test suite's global setup.
export declare const budgets: { console: number; phone: number };
export declare function staleReason(): string | null;
export declare function pageSizes(): Record<'console' | 'phone', { js: number; css: number; files: number }>;
export declare function printSizes(say: (line: string) => void): ReturnType<typeof pageSizes>;
export declare function buildWeb(say?: (line: string) => void): Promise<void>;
export declare function ensureWebBuild(say?: (line: string) => void): Promise<boolean>;
