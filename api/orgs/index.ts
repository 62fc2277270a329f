import { newRouter } from '../router';
import { orgImport } from './import';
import { orgs } from './routes';

/** /orgs: the union tree and its bulk import. The import is mounted first so `/orgs/import` is not read as an id. */
export const orgsApi = newRouter().route('/', orgImport).route('/', orgs);
