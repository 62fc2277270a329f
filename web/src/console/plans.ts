import { ref } from 'vue';
import { api, must, type Schemas } from '@/api/client';

export type Plan = Schemas['Plan'];
const key = 'jianjia.console.plan';

/** The district's plans and the one the person works on (remembered across visits). */
export function usePlans() {
  const plans = ref<Plan[]>([]);
  const planId = ref<string>(localStorage.getItem(key) ?? '');
  async function load() {
    plans.value = (await must(api.GET('/api/v1/plans'))).items;
    if (!plans.value.some((p) => p.id === planId.value)) planId.value = (plans.value.find((p) => p.status === 'issued') ?? plans.value[0])?.id ?? '';
    select(planId.value);
  }
  function select(id: string) {
    planId.value = id;
    if (id) localStorage.setItem(key, id);
  }
  return { plans, planId, load, select };
}

/** A remembered filter: each list keeps the person's last choice. */
export function remembered<T extends object>(name: string, initial: T): T {
  try {
    return { ...initial, ...(JSON.parse(localStorage.getItem(`jianjia.filter.${name}`) ?? '{}') as Partial<T>) };
  } catch {
    return initial;
  }
}
export const remember = (name: string, value: object) => localStorage.setItem(`jianjia.filter.${name}`, JSON.stringify(value));
