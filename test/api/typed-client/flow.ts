import createClient from 'openapi-fetch';
// Generated from the live /openapi.json by test/api/openapi-client.test.ts, which maps this name to
// a temporary file when it type-checks this file; nothing generated is committed.
import type { components, paths } from 'coachbot-openapi';

// What an admin's own tool does with a client generated from the document: every call, parameter
// and answer below is typed by the document alone, and the test rejects any `any` in this file.

type ApiError = components['schemas']['Error'];

export interface FlowResult {
  coach: components['schemas']['User'];
  member: components['schemas']['Member'];
  slots: components['schemas']['Slot'][];
  booked: components['schemas']['Booking'];
  cancelled: components['schemas']['Booking'];
  notFound: { status: number; error: ApiError };
}

/** The success body of a call, or a thrown error naming the call and its Error body. */
function ok<T>(call: string, result: { data?: T; error?: ApiError; response: Response }): T {
  if (result.data === undefined) throw new Error(`${call} answered ${result.response.status}: ${JSON.stringify(result.error)}`);
  return result.data;
}

export async function bookAndCancel(baseUrl: string, adminToken: string, day: { date: string; dayOfWeek: number }): Promise<FlowResult> {
  const api = createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${adminToken}` } });

  const coach = ok('createUser', await api.POST('/users', { body: { name: 'Typed Coach', email: 'typed.coach@example.com', role: 'Coach' } }));
  const memberUser = ok('createUser', await api.POST('/users', { body: { name: 'Typed Member', role: 'Member' } }));
  const memberId = memberUser.memberProfile?.id;
  if (!memberId) throw new Error('a Member user comes with its member profile');

  ok(
    'createAvailabilityWindow',
    await api.POST('/coach-availability', { body: { coachId: coach.id, dayOfWeek: day.dayOfWeek, startTime: '09:00', endTime: '12:00' } }),
  );
  const member = ok(
    'assignCoach',
    await api.PATCH('/members/{id}/assign-coach', { params: { path: { id: memberId } }, body: { coachId: coach.id } }),
  );

  const { items: slots } = ok(
    'listSlots',
    await api.GET('/coach-availability/{coachId}/slots', {
      params: { path: { coachId: coach.id }, query: { startDate: day.date, endDate: day.date, duration: 60 } },
    }),
  );
  const slot = slots[0];
  if (!slot) throw new Error(`no slot on ${day.date}`);

  const booked = ok(
    'createBooking',
    await api.POST('/bookings', {
      params: { header: { 'idempotency-key': `typed-client-${memberId}` } },
      body: { memberId, coachId: coach.id, requestedDate: slot.date, requestedTime: slot.time, duration: slot.duration },
    }),
  );
  const cancelled = ok(
    'cancelBooking',
    await api.DELETE('/bookings/{id}', { params: { path: { id: booked.id } }, body: { reason: 'Typed client test' } }),
  );

  // Errors are typed too: the shared Error component.
  const missing = await api.GET('/bookings/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } });
  if (!missing.error) throw new Error('a booking that does not exist was found');

  return { coach, member, slots, booked, cancelled, notFound: { status: missing.response.status, error: missing.error } };
}
