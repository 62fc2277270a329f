// `npm run record-histories` only: records the replay fixtures (test/replay/record-histories.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/replay/record-histories.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    hookTimeout: 300_000,
    pool: 'forks',
    // The API checks deadlines against the working-day calendar: give it the plan year's fixture.
    env: { HOLIDAY_CALENDAR_FILE: fileURLToPath(new URL('test/replay/calendar-2027.json', import.meta.url)) },
  },
});
