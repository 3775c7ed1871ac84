import { createPackageInput, grantCreditsInput } from '../../src/core/credits/index.ts';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { grantInput } from '../../src/core/access/index.ts';
import { createAvailabilityInput, updateAvailabilityInput } from '../../src/core/availability/index.ts';
import { cancelBookingInput, cancelBookingSeriesInput, createBookingInput, createBookingSeriesInput } from '../../src/core/bookings/index.ts';
import { updateCoachInput } from '../../src/core/coaches/index.ts';
import { createMemberInput, updateMemberInput } from '../../src/core/members/index.ts';
import {
  cancelSessionInput,
  completeSessionInput,
  createSessionInput,
  noShowInput,
  notesInput,
  rateSessionInput,
  rescheduleSessionInput,
  updateSessionInput,
} from '../../src/core/sessions/index.ts';
import { createTokenInput } from '../../src/core/tokens/index.ts';
import { createUserInput, updateUserInput } from '../../src/core/users/index.ts';
import { joinWaitlistInput } from '../../src/core/waitlist/index.ts';
import { setupApi } from './harness.ts';

// Every request body the API documents is core's input for that operation (bodyFrom in
// src/api/schemas.ts): the same fields and no others. A body that is the API's own is named here.

const api = await setupApi({ redis: false });

const CORE_INPUT_OF: Record<string, z.ZodObject> = {
  createSession: createSessionInput,
  updateSession: updateSessionInput,
  completeSession: completeSessionInput,
  cancelSession: cancelSessionInput,
  recordNoShow: noShowInput,
  rescheduleSession: rescheduleSessionInput,
  addCoachNotes: notesInput,
  addMemberNotes: notesInput,
  rateSession: rateSessionInput,
  createBooking: createBookingInput,
  cancelBooking: cancelBookingInput,
  createBookingSeries: createBookingSeriesInput,
  cancelBookingSeries: cancelBookingSeriesInput,
  createAvailabilityWindow: createAvailabilityInput,
  updateAvailabilityWindow: updateAvailabilityInput,
  updateCoach: updateCoachInput,
  createMember: createMemberInput,
  updateMember: updateMemberInput,
  grantPermission: grantInput.pick({ permission: true }),
  createToken: createTokenInput,
  createUser: createUserInput,
  updateUser: updateUserInput,
  createPackage: createPackageInput,
  grantCredits: grantCreditsInput,
  updateMe: updateUserInput,
  joinWaitlist: joinWaitlistInput,
};

/** Core takes these values as arguments, not as an input object. */
const API_ONLY = ['assignCoach', 'updateOnboardingStatus'];

interface BodySchema {
  properties?: Record<string, unknown>;
  additionalProperties?: boolean;
  anyOf?: BodySchema[];
}

async function documentedBodies(): Promise<Map<string, BodySchema>> {
  const res = await api.app.inject({ method: 'GET', url: '/openapi.json' });
  const paths = (res.json() as { paths: Record<string, Record<string, { operationId: string; requestBody?: { content: Record<string, { schema: BodySchema }> } }>> }).paths;
  const bodies = new Map<string, BodySchema>();
  for (const operation of Object.values(paths).flatMap((item) => Object.values(item))) {
    const schema = operation.requestBody?.content['application/json']?.schema;
    // An optional body (a cancellation's reason) is the object or null.
    if (schema) bodies.set(operation.operationId, schema.anyOf?.find((s) => s.properties) ?? schema);
  }
  return bodies;
}

describe('request bodies', () => {
  it("every documented body takes exactly the fields of core's input, and refuses others", async () => {
    const bodies = await documentedBodies();
    expect([...bodies.keys()].sort()).toEqual([...Object.keys(CORE_INPUT_OF), ...API_ONLY].sort());
    for (const [operationId, input] of Object.entries(CORE_INPUT_OF)) {
      const body = bodies.get(operationId)!;
      expect(Object.keys(body.properties ?? {}).sort(), operationId).toEqual(Object.keys(input.shape).sort());
      expect(body.additionalProperties, operationId).toBe(false);
    }
  });

  it("leaves core's rules across fields to core, which answers them as it answers the bot", async () => {
    const admin = await api.userWithToken('Admin');
    const coach = await api.userWithToken('Coach');
    const res = await api.call(admin.token, { method: 'PATCH', url: `/users/${coach.id}`, payload: {} });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'validation_failed', details: { issues: [{ field: '(input)', message: 'names nothing to update' }] } });
    expect(res.json().details).not.toHaveProperty('in');
  });
});
