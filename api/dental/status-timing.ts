// The answer when an appointment's time does not allow a status yet (the database's clock decides,
// see statusPossibleFrom): a 409 that says from when it will, in the practice's time zone.
import { formatInZone } from '../../core/dental/time.js';
import type { AppointmentStatus } from '../../db/dental/appointments.js';
import { ApiError } from '../shared/errors.js';

export function statusTooEarly(status: AppointmentStatus, possibleFrom: string, timeZone: string): ApiError {
  const when = formatInZone(possibleFrom, timeZone);
  const message =
    status === 'no_show'
      ? `This appointment can be marked a no-show from ${when}, when it starts`
      : `This appointment can be ${status === 'checked_in' ? 'checked in' : status} from ${when}, the start of its day (${timeZone})`;
  return new ApiError(409, 'too_early', message, { details: { status, possible_from: when } });
}
