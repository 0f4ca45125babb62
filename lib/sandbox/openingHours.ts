/**
 * Whether a branch or section is open at an instant (T-Gate guide: Opening Hours; reference: Opening Hour
 * Groups, Branch Special Timings). Pure functions over the records.
 *
 * - Hours are read in the branch's own time zone.
 * - An interval with starts_at >= ends_at runs past midnight into the next day ('00:00'-'00:00' is the
 *   whole day); days not listed are closed.
 * - On a date inside a special timing (start_date..end_date) its group replaces the default one; a
 *   force-closed group is closed all its days.
 */
import type { OpeningHourGroup, WeekDay } from '../tgate/records';

export interface LocalTime {
  /** YYYY-MM-DD in the time zone. */
  date: string;
  weekDay: WeekDay;
  /** Minutes since local midnight. */
  minutes: number;
}

const WEEK_DAYS: WeekDay[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** The wall clock in `timeZone` (IANA name), or at a fixed `utcOffset` ('+03:00') when the name is unknown. */
export function localTime(at: Date, timeZone: { name?: string; utc_offset?: string }): LocalTime {
  let shifted: Date;
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: timeZone.name,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(at)
        .map((p) => [p.type, p.value]),
    );
    shifted = new Date(
      Date.UTC(
        Number(parts.year),
        Number(parts.month) - 1,
        Number(parts.day),
        Number(parts.hour),
        Number(parts.minute),
      ),
    );
  } catch {
    const offset = /^([+-])(\d\d):(\d\d)$/.exec(timeZone.utc_offset ?? '');
    const minutes = offset ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3])) : 0;
    shifted = new Date(at.getTime() + minutes * 60_000);
  }
  return fromShifted(shifted);
}

/** `shifted` holds the local wall clock in its UTC fields. */
function fromShifted(shifted: Date): LocalTime {
  return {
    date: shifted.toISOString().slice(0, 10),
    weekDay: WEEK_DAYS[shifted.getUTCDay()],
    minutes: shifted.getUTCHours() * 60 + shifted.getUTCMinutes(),
  };
}

/** The same wall-clock time one day earlier. */
export function dayBefore(local: LocalTime): LocalTime {
  const shifted = new Date(`${local.date}T00:00:00Z`);
  shifted.setUTCDate(shifted.getUTCDate() - 1);
  return { ...fromShifted(shifted), minutes: local.minutes };
}

/** The group that governs a local date: a special timing whose dates include it, else the default group. */
export function groupOnDate(
  date: string,
  defaultGroup: OpeningHourGroup | undefined,
  specialGroups: OpeningHourGroup[],
): OpeningHourGroup | undefined {
  const special = specialGroups.find(
    (g) => (g.start_date === null || g.start_date <= date) && (g.end_date === null || date <= g.end_date),
  );
  return special ?? defaultGroup;
}

function toMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function intervalsOn(group: OpeningHourGroup | undefined, day: WeekDay): Array<{ start: number; end: number }> {
  if (!group || group.is_force_closed) return [];
  const hours = group.opening_hours.find((d) => d.week_day === day);
  return (hours?.intervals ?? []).map((i) => ({ start: toMinutes(i.starts_at), end: toMinutes(i.ends_at) }));
}

/**
 * Open at `local`: inside one of the day's intervals (one that crosses midnight runs to the end of the day),
 * or before the end of one of the previous day's intervals that crossed midnight.
 * `today` and `yesterday` are the groups governing `local.date` and the day before (see groupOnDate).
 */
export function isOpenAt(
  local: LocalTime,
  today: OpeningHourGroup | undefined,
  yesterday: OpeningHourGroup | undefined,
): boolean {
  const t = local.minutes;
  const fromToday = intervalsOn(today, local.weekDay).some(({ start, end }) =>
    start < end ? start <= t && t < end : start <= t,
  );
  if (fromToday) return true;
  return intervalsOn(yesterday, dayBefore(local).weekDay).some(({ start, end }) => start >= end && t < end);
}

/** Whether something with this default group (and these special timings) is open at `at` in the time zone. */
export function isOpen(
  at: Date,
  timeZone: { name?: string; utc_offset?: string },
  defaultGroup: OpeningHourGroup | undefined,
  specialGroups: OpeningHourGroup[] = [],
): boolean {
  const local = localTime(at, timeZone);
  const yesterday = dayBefore(local);
  return isOpenAt(
    local,
    groupOnDate(local.date, defaultGroup, specialGroups),
    groupOnDate(yesterday.date, defaultGroup, specialGroups),
  );
}
