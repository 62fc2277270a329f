import { describe, expect, it } from 'vitest';
import { holdBatch, planRungs, rungKey, settleRungs, type LadderBook, type LadderTask } from '../../workflows/ladder-plan';

const times = { deadline: '2027-02-01T10:00:00.000Z', remind: '2027-01-27T10:00:00.000Z', warn: '2027-02-01T10:00:00.000Z', supervise: '2027-02-08T10:00:00.000Z' };
const t = (taskId: string, state: LadderTask['state'] = 'dispatched'): LadderTask => ({ taskId, state, ladder: times });
const fresh = (): LadderBook => ({ fired: new Set(), failed: new Set(), orders: new Map(), held: new Map() });
const at = (iso: string) => Date.parse(iso);

describe('the ladder planner', () => {
  it('finds the rungs due and wakes for the next one', () => {
    const plan = planRungs([t('a'), t('b', 'reported')], fresh(), at('2027-01-28T00:00:00Z'));
    expect(plan.due).toEqual([{ taskId: 'a', rung: 'remind', deadline: times.deadline }]);
    expect(plan.next).toBe(at(times.warn));
    expect(plan.overdue).toEqual([]);
  });

  it('never fires a rung twice, nor one that failed for good; a held one waits for its time', () => {
    const book = fresh();
    const now = at('2027-02-09T00:00:00Z');
    book.fired.add(rungKey({ taskId: 'a', deadline: times.deadline, rung: 'remind' }));
    book.failed.add(rungKey({ taskId: 'a', deadline: times.deadline, rung: 'warn' }));
    book.held.set(rungKey({ taskId: 'a', deadline: times.deadline, rung: 'supervise' }), now + 1000);
    const plan = planRungs([t('a')], book, now);
    expect(plan.due).toEqual([]);
    expect(plan.next).toBe(now + 1000);
    expect(planRungs([t('a')], book, now + 1000).due.map((d) => d.rung)).toEqual(['supervise']);
  });

  it('books fired, deferred and failed rungs apart; a failed batch marks nothing fired', () => {
    const book = fresh();
    const now = at('2027-02-09T00:00:00Z');
    const plan = planRungs([t('a'), t('b')], book, now);
    expect(plan.due).toHaveLength(6);
    const [aRemind, aWarn, aSupervise, bRemind] = plan.due;
    settleRungs(book, plan, { orders: [{ taskId: 'a', orderId: 'o1', respondBy: '2027-02-20T10:00:00.000Z' }], settled: [], deferred: { rungs: [bRemind!], orders: [] }, failed: { rungs: [aWarn!], orders: [] } }, now + 5);
    expect(book.fired.has(rungKey(aRemind!))).toBe(true);
    expect(book.fired.has(rungKey(aSupervise!))).toBe(true);
    expect(book.fired.has(rungKey(aWarn!))).toBe(false);
    expect(book.failed.has(rungKey(aWarn!))).toBe(true);
    expect(book.held.get(rungKey(bRemind!))).toBe(now + 5);
    expect([...book.orders.keys()]).toEqual(['o1']);

    const other = fresh();
    const batch = planRungs([t('c')], other, now);
    holdBatch(other, batch, now + 7);
    expect(other.fired.size).toBe(0);
    expect([...other.held.values()]).toEqual([now + 7, now + 7, now + 7]);
  });

  it('summons an overdue order, and drops orders of finished tasks', () => {
    const book = fresh();
    book.orders.set('o1', { taskId: 'a', dueAt: at('2027-02-20T10:00:00Z') });
    book.orders.set('o2', { taskId: 'b', dueAt: at('2027-02-20T10:00:00Z') });
    for (const r of ['remind', 'warn', 'supervise']) for (const id of ['a', 'b']) book.fired.add(rungKey({ taskId: id, deadline: times.deadline, rung: r }));
    const plan = planRungs([t('a'), t('b', 'approved')], book, at('2027-02-21T00:00:00Z'));
    expect(plan.overdue).toEqual(['o1']);
    expect([...book.orders.keys()]).toEqual(['o1']);
  });
});
