import { ScheduleNotFoundError } from '@temporalio/client';
import { sql } from 'slonik';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { z } from 'zod';
import { DAILY_DIGEST_SCHEDULE_ID, ensureDentalSchedules } from '../../temporal/dental-schedules.js';
import { dailyDigestWorkflow } from '../../workflows/dental.js';
import { call } from '../support/http.js';
import { getStack } from '../support/stack.js';
import { dentalApp, newDentist, newPatient, staffToken } from './support.js';

const digest = suite('daily digest schedule');

digest('the schedule exists once, at 18:00 practice time, and a run sends each dentist one digest', async () => {
  const { temporal, config, pools } = await getStack();
  const app = await dentalApp();
  const token = await staffToken();
  await temporal.schedule.getHandle(DAILY_DIGEST_SCHEDULE_ID).delete().catch((error) => {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  });
  await ensureDentalSchedules(temporal, config);
  await ensureDentalSchedules(temporal, config); // at every worker start: no error, no second schedule
  const description = await temporal.schedule.getHandle(DAILY_DIGEST_SCHEDULE_ID).describe();
  assert.equal(description.spec.calendars?.[0]?.hour, [{ start: 18, end: 18, step: 1 }]);
  assert.is(description.spec.timezone, config.PRACTICE_TIME_ZONE);
  // Paused by staff, then the practice's zone changes: the zone follows, the pause stays.
  const handle = temporal.schedule.getHandle(DAILY_DIGEST_SCHEDULE_ID);
  await handle.pause('test: paused by staff');
  await ensureDentalSchedules(temporal, { ...config, PRACTICE_TIME_ZONE: 'Europe/Vienna' });
  const moved = await handle.describe();
  assert.equal([moved.spec.timezone, moved.state.paused], ['Europe/Vienna', true]);
  await ensureDentalSchedules(temporal, config);
  await handle.unpause();

  const dentist = await newDentist(app, token);
  const patient = await newPatient(app, token);
  const tomorrow = new Date(Date.now() + 24 * 3600_000);
  tomorrow.setUTCHours(12, 0, 0, 0);
  const booked = await call(app, 'POST', '/api/dental/appointments', { token, json: { patient_id: patient.id, dentist_id: dentist.id, appointment_date: tomorrow.toISOString() } });
  assert.is(booked.status, 201, booked.text);

  const run = async () => temporal.workflow.execute(dailyDigestWorkflow, { taskQueue: 'dental', workflowId: `digest-test-${Date.now()}-${Math.random()}` });
  const first = await run();
  assert.ok(first.dentists >= 1);
  await run(); // a second run the same day sends nothing again
  const digests = await pools.dental.any(sql.type(z.object({ appointment_count: z.number() }))`
    select appointment_count from dentist_digests where dentist_id = ${dentist.id}`);
  assert.equal(digests, [{ appointment_count: 1 }]);
});

digest.run();
