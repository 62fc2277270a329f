import { auth } from './auth';
import { calendarApi } from './calendar';
import { standing } from './standing';
import { needs } from './needs';
import { adjustments } from './adjustments';
import { catalogue } from './catalogue';
import { exportsApi } from './exports';
import { ladder } from './ladder';
import { notices } from './notices';
import { planLadder } from './plan-ladder';
import { orgsApi } from './orgs';
import { planResults } from './plan-results';
import { planRepair } from './plan-repair';
import { plans } from './plans';
import { newRouter } from './router';
import { uploads } from './uploads';
import { tasks } from './tasks';
import { users } from './users';

/** Everything under /api/v1, one sub-app per resource. */
export function v1() {
  return newRouter().route('/', auth).route('/', catalogue).route('/', orgsApi).route('/', users).route('/', uploads)
    .route('/', plans).route('/', planResults).route('/', planLadder).route('/', planRepair).route('/', tasks).route('/', ladder).route('/', notices)
    .route('/', calendarApi).route('/', standing).route('/', needs).route('/', adjustments).route('/', exportsApi);
}
