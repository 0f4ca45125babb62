import { expect } from 'chai';
import { isOpen, localTime } from '../../../lib/sandbox/openingHours';
import type { OpeningHourGroup, WeekDay } from '../../../lib/tgate/records';

const RIYADH = { name: 'Asia/Riyadh', utc_offset: '+03:00' };

function group(
  hours: Partial<Record<WeekDay, Array<[string, string]>>>,
  extra: Partial<OpeningHourGroup> = {},
): OpeningHourGroup {
  return {
    id: 1,
    start_date: null,
    end_date: null,
    is_special_timing: false,
    is_force_closed: false,
    opening_hours: Object.entries(hours).map(([week_day, intervals], i) => ({
      id: i + 1,
      week_day: week_day as WeekDay,
      intervals: intervals.map(([starts_at, ends_at]) => ({ starts_at, ends_at })),
    })),
    ...extra,
  };
}

/** Riyadh wall-clock time on a date (Riyadh is UTC+3 all year). */
const riyadh = (date: string, time: string) => new Date(`${date}T${time}:00+03:00`);

describe('sandbox: opening hours (T-Gate guide: Opening Hours)', () => {
  it('reads the wall clock in the branch time zone, or at its utc_offset when the name is unknown', () => {
    expect(localTime(new Date('2026-12-01T22:30:00Z'), RIYADH)).to.deep.equal({
      date: '2026-12-02',
      weekDay: 'wednesday',
      minutes: 90,
    });
    expect(
      localTime(new Date('2026-12-01T22:30:00Z'), { name: 'Nowhere/Special', utc_offset: '-02:00' }),
    ).to.deep.equal({ date: '2026-12-01', weekDay: 'tuesday', minutes: 20 * 60 + 30 });
  });

  it('an interval with starts_at >= ends_at runs past midnight into the next day, from the day it starts', () => {
    const tuesdayNights = group({ tuesday: [['22:00', '02:00']] });
    expect(isOpen(riyadh('2026-12-01', '21:59'), RIYADH, tuesdayNights)).to.equal(false);
    expect(isOpen(riyadh('2026-12-01', '22:00'), RIYADH, tuesdayNights)).to.equal(true);
    expect(isOpen(riyadh('2026-12-02', '01:59'), RIYADH, tuesdayNights), 'Wednesday 01:59').to.equal(true);
    expect(isOpen(riyadh('2026-12-02', '02:00'), RIYADH, tuesdayNights)).to.equal(false);
    expect(isOpen(riyadh('2026-12-01', '01:00'), RIYADH, tuesdayNights), 'Monday night is not listed').to.equal(false);
  });

  it('ends_at is exclusive, several intervals a day, days not listed are closed, 00:00-00:00 is the whole day', () => {
    const split = group({
      tuesday: [
        ['06:00', '12:00'],
        ['16:00', '18:00'],
      ],
      wednesday: [['00:00', '00:00']],
    });
    expect(isOpen(riyadh('2026-12-01', '11:59'), RIYADH, split)).to.equal(true);
    expect(isOpen(riyadh('2026-12-01', '12:00'), RIYADH, split)).to.equal(false);
    expect(isOpen(riyadh('2026-12-01', '17:00'), RIYADH, split)).to.equal(true);
    expect(isOpen(riyadh('2026-12-02', '00:00'), RIYADH, split)).to.equal(true);
    expect(isOpen(riyadh('2026-12-02', '23:59'), RIYADH, split)).to.equal(true);
    expect(isOpen(riyadh('2026-12-03', '12:00'), RIYADH, split), 'Thursday is not listed').to.equal(false);
  });

  it('a special timing replaces the default group on its dates; a force-closed group is closed', () => {
    const everyDay = group({
      monday: [['10:00', '02:00']],
      tuesday: [['10:00', '02:00']],
      wednesday: [['10:00', '02:00']],
    });
    const closedTuesday = group(
      {},
      { id: 2, is_special_timing: true, is_force_closed: true, start_date: '2026-12-01', end_date: '2026-12-01' },
    );
    expect(isOpen(riyadh('2026-12-01', '12:00'), RIYADH, everyDay, [closedTuesday])).to.equal(false);
    expect(
      isOpen(riyadh('2026-12-01', '01:00'), RIYADH, everyDay, [closedTuesday]),
      "Monday's night still runs into Tuesday",
    ).to.equal(true);
    expect(
      isOpen(riyadh('2026-12-02', '01:00'), RIYADH, everyDay, [closedTuesday]),
      "the closed Tuesday's night does not run",
    ).to.equal(false);
    expect(isOpen(riyadh('2026-12-02', '12:00'), RIYADH, everyDay, [closedTuesday])).to.equal(true);
    expect(isOpen(riyadh('2026-12-02', '12:00'), RIYADH, { ...everyDay, is_force_closed: true })).to.equal(false);
    expect(isOpen(riyadh('2026-12-02', '12:00'), RIYADH, undefined), 'no group: closed').to.equal(false);
  });
});
