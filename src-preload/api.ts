// The API's contract lives in src-shared/api.ts; this re-export keeps older type imports working.
export type { SockscopeApi } from '../src-shared/api';
