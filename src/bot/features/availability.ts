import { packId, unpackId } from '../compact.ts';
import { Refusal } from '../context.ts';
import { ACTION_SENTENCES } from '../errors.ts';
import { notice, openForm, reply, show, type Feature, type FormDraw, type VerbUse } from '../feature.ts';
import { requireCoach, type CoachViewer } from '../guards.ts';
import { button, editInput, form, header, option, row, screen, select, text } from '../ui.ts';
import type { Form, View } from '../view.ts';
import type { Viewer } from '../context.ts';
import type { AvailabilityWindowRecord } from '../../core/availability/index.ts';

// The coach's weekly availability grid: windows are wall-clock times in the coach's own zone;
// add, edit and delete go through core, which refuses overlaps and changes that strand bookings.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A weekly window as core keeps it (wall-clock times in the coach's zone). */
export type WindowRow = Pick<AvailabilityWindowRecord, 'id' | 'dayOfWeek' | 'startTime' | 'endTime' | 'maxSessionsPerSlot' | 'bufferMinutes' | 'isActive'>;

const describe = (w: WindowRow) =>
  `${DAYS[w.dayOfWeek]} ${w.startTime}–${w.endTime} · ${w.maxSessionsPerSlot} seat${w.maxSessionsPerSlot === 1 ? '' : 's'} · ${w.bufferMinutes} min buffer${w.isActive ? '' : ' · off'}`;

async function coachZone(v: CoachViewer): Promise<string> {
  return (await v.core.coaches.get(v.actor, v.account.userId)).timezone;
}

async function grid(v: CoachViewer, note?: string): Promise<View> {
  return drawGrid(v, await v.core.availability.listByCoach(v.actor, v.account.userId), await coachZone(v), note);
}

/** The week as lines per day in the coach's zone, with a picker of windows to edit or delete. */
export function drawGrid(v: Viewer, windows: WindowRow[], zone: string, note?: string): View {
  const lines = DAYS.map((day, i) => {
    const mine = windows.filter((w) => w.dayOfWeek === i);
    return `${day}: ${mine.length ? mine.map((w) => `${w.startTime}–${w.endTime}${w.isActive ? '' : ' (off)'}`).join(', ') : '—'}`;
  });
  return screen('Your weekly availability', [
    header('Your weekly availability'),
    note ? text(note) : null,
    text(`Wall-clock times in ${zone}:`, ...lines),
    windows.length > 0 && row(select('Edit or delete a window', windows.slice(0, 25).map((w) => option(describe(w), v.act('aw', packId(w.id)))))),
    row(button('Add a window', v.act('aa'), 'primary')),
  ]);
}

/** A window's form fields as text, for the edit form's current values. */
function windowText(w: WindowRow): Record<string, string> {
  return { day: DAYS[w.dayOfWeek]!, start: w.startTime, end: w.endTime, seats: String(w.maxSessionsPerSlot), buffer: String(w.bufferMinutes) };
}

const NEW_WINDOW: Record<string, string> = { day: 'Mon', start: '09:00', end: '17:00', seats: '1', buffer: '15' };

function windowInputs(d: FormDraw) {
  return [
    editInput(d, 'day', 'Day (Mon, Tue, … Sun)', { required: true, maxLength: 9 }),
    editInput(d, 'start', 'Start (HH:mm)', { required: true, maxLength: 5 }),
    editInput(d, 'end', 'End (HH:mm, 24:00 for midnight)', { required: true, maxLength: 5 }),
    editInput(d, 'seats', 'Seats per slot', { required: true, maxLength: 3 }),
    editInput(d, 'buffer', 'Buffer minutes between sessions', { required: true, maxLength: 3 }),
  ];
}

function addForm(_args: string[], d: FormDraw): Form {
  return form('Add availability', d.submit, 'Save', windowInputs({ ...d, current: NEW_WINDOW }));
}

function editForm(_args: string[], d: FormDraw): Form {
  return form('Edit availability', d.submit, 'Save', windowInputs(d));
}

export const AVAILABILITY_VERBS = {
  av: 'act',
  aw: 'act',
  aa: { submit: 'aA', for: 'coach', draw: addForm },
  aA: 'submit',
  ae: { submit: 'aE', for: 'coach', keeps: ['day', 'start', 'end', 'seats', 'buffer'], draw: editForm },
  aE: 'submit',
  ax: 'act',
  aX: 'act',
} as const satisfies Record<string, VerbUse>;

// Registers these verbs for `act()` (see VerbRegistry).
declare module '../context.ts' {
  interface VerbRegistry extends Record<keyof typeof AVAILABILITY_VERBS, true> {}
}

/**
 * The form's text as core's input; core validates it and names any bad field. An input left out
 * (an edit form opened without the window's values, see FormDraw.current) keeps `was`.
 */
function parseWindow(submitted: Record<string, string>, was?: WindowRow) {
  const values = { ...(was ? windowText(was) : {}), ...submitted };
  const dayText = (values.day ?? '').trim().slice(0, 3).toLowerCase();
  const dayOfWeek = DAYS.findIndex((d) => d.toLowerCase() === dayText);
  if (dayOfWeek < 0) throw new Refusal('Day must be one of Mon, Tue, Wed, Thu, Fri, Sat, Sun.');
  const num = (key: string, label: string) => {
    const n = Number((values[key] ?? '').trim());
    if (!Number.isInteger(n)) throw new Refusal(`${label} must be a whole number.`);
    return n;
  };
  return {
    dayOfWeek,
    startTime: (values.start ?? '').trim(),
    endTime: (values.end ?? '').trim(),
    maxSessionsPerSlot: num('seats', 'Seats per slot'),
    bufferMinutes: num('buffer', 'Buffer minutes'),
  };
}

function idArg(args: string[]): string {
  const id = unpackId(args[0] ?? '');
  if (!id) throw new Refusal(ACTION_SENTENCES.malformed);
  return id;
}

async function windowOf(v: CoachViewer, id: string): Promise<WindowRow> {
  const windows = await v.core.availability.listByCoach(v.actor, v.account.userId);
  const w = windows.find((x) => x.id === id);
  if (!w) throw new Refusal('That window no longer exists.');
  return w;
}

export const availability: Feature<keyof typeof AVAILABILITY_VERBS> = {
  commands: {
    availability: { description: 'Your weekly availability', audience: 'coach', run: async (ctx) => [reply(await grid(requireCoach(ctx)))] },
  },
  actions: {
    av: async (ctx) => [show(ctx, await grid(requireCoach(ctx)))],
    aw: async (ctx, args) => {
      const v = requireCoach(ctx);
      const w = await windowOf(v, idArg(args));
      return [
        show(
          ctx,
          screen('Availability window', [
            header('Availability window'),
            text(describe(w)),
            row(button('Edit', v.act('ae', packId(w.id))), button('Delete', v.act('ax', packId(w.id)), 'danger'), button('Back', v.act('av'))),
          ]),
        ),
      ];
    },
    aa: async (ctx) => {
      requireCoach(ctx);
      return [openForm(ctx, AVAILABILITY_VERBS.aa, [])];
    },
    aA: async (ctx, _args, values) => {
      const v = requireCoach(ctx);
      await v.core.availability.create(v.actor, parseWindow(values));
      return [reply(await grid(v, 'Window added.'))];
    },
    ae: async (ctx, args) => {
      const v = requireCoach(ctx);
      const w = await windowOf(v, idArg(args));
      return [openForm(ctx, AVAILABILITY_VERBS.ae, [packId(w.id)], windowText(w))];
    },
    aE: async (ctx, args, values) => {
      const v = requireCoach(ctx);
      const id = idArg(args);
      await v.core.availability.update(v.actor, id, parseWindow(values, await windowOf(v, id)));
      return [reply(await grid(v, 'Window saved.'))];
    },
    ax: async (ctx, args) => {
      const v = requireCoach(ctx);
      const w = await windowOf(v, idArg(args));
      return [
        show(ctx, screen('Delete window?', [header('Delete this window?'), text(describe(w)), row(button('Delete', v.act('aX', packId(w.id)), 'danger'), button('Back', v.act('av')))])),
      ];
    },
    aX: async (ctx, args) => {
      const v = requireCoach(ctx);
      await v.core.availability.delete(v.actor, idArg(args));
      return ctx.message ? [show(ctx, await grid(v, 'Window deleted.'))] : [notice('Window deleted.')];
    },
  },
};
