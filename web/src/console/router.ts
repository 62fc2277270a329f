import { createRouter, createWebHistory } from 'vue-router';
import { loadSession, setUnauthorizedHandler } from '@/api/client';

/** Where each role starts in the console. */
export function homeFor(role: string | undefined) {
  return role === 'district_admin' ? '/plans' : '/review';
}

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/login', component: () => import('./LoginPage.vue'), meta: { bare: true, public: true } },
    { path: '/', redirect: () => homeFor(loadSession()?.user.role) },
    { path: '/review', component: () => import('./ReviewPage.vue') },
    { path: '/dispatch', component: () => import('./DispatchPage.vue') },
    { path: '/plans', component: () => import('./PlansPage.vue') },
    { path: '/plans/new', component: () => import('./PlanEditor.vue') },
    { path: '/plans/:id', component: () => import('./PlanPage.vue'), props: true },
    { path: '/lights', component: () => import('./LightsPage.vue') },
    { path: '/orders', component: () => import('./OrdersPage.vue') },
    { path: '/deliveries', component: () => import('./DeliveriesPage.vue') },
    { path: '/units', component: () => import('./UnitsPage.vue') },
    { path: '/catalogue', component: () => import('./CataloguePage.vue') },
    { path: '/tasks', component: () => import('./TasksPage.vue') },
    { path: '/calendar', component: () => import('./CalendarPage.vue') },
    { path: '/needs', component: () => import('./needs/QueuePage.vue') },
    { path: '/analysis', component: () => import('./needs/AnalysisPage.vue') },
    { path: '/analysis/adjust', component: () => import('./needs/AdjustmentPage.vue') },
    { path: '/screen', component: () => import('../screen/ScreenPage.vue'), meta: { bare: true } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach((to) => {
  const session = loadSession();
  if (!to.meta.public && !session) return { path: '/login', query: { next: to.fullPath } };
  if (session?.user.role === 'grassroots_chair' && !to.meta.public) {
    location.href = '/m/';
    return false;
  }
});
setUnauthorizedHandler(() => void router.push('/login'));
