import { auth } from './auth';
import { newRouter } from './router';

/** Everything under /api/v1, one sub-app per resource. */
export function v1() {
  return newRouter().route('/', auth);
}
