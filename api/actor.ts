import type { Actor } from '../workflows/unit-tasks.contract';
import type { CurrentUser } from './context';

/** The caller as the workflows see them: which tier of the tree they act for. */
export function actorOf(user: CurrentUser): Actor {
  const tier = user.orgLevel === 'district' ? 'district' : user.orgLevel === 'township' ? 'township' : 'grassroots';
  return { id: user.id, login: user.login, tier, orgId: user.orgId };
}
