import { createRouter, createWebHistory } from 'vue-router';
import { loadSession, setUnauthorizedHandler } from '@/api/client';

/** The phone pages for grassroots chairs, under /m/. */
export const router = createRouter({
  history: createWebHistory('/m/'),
  routes: [
    { path: '/login', component: () => import('./LoginPage.vue'), meta: { public: true } },
    { path: '/', component: () => import('./TasksPage.vue') },
    { path: '/tasks/:id', component: () => import('./TaskPage.vue'), props: true },
    { path: '/notices', component: () => import('./NoticesPage.vue') },
    { path: '/orders', component: () => import('./OrdersPage.vue') },
    { path: '/needs', component: () => import('./needs/NeedsPage.vue') },
    { path: '/needs/new', component: () => import('./needs/NeedNewPage.vue') },
    { path: '/needs/:id', component: () => import('./needs/NeedPage.vue'), props: true },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach((to) => {
  if (!to.meta.public && !loadSession()) return { path: '/login', query: { next: to.fullPath } };
});
setUnauthorizedHandler(() => void router.push('/login'));
