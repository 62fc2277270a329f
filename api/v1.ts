import { auth } from './auth';
import { catalogue } from './catalogue';
import { orgsApi } from './orgs';
import { newRouter } from './router';
import { users } from './users';

/** Everything under /api/v1, one sub-app per resource. */
export function v1() {
  return newRouter().route('/', auth).route('/', catalogue).route('/', orgsApi).route('/', users);
}
