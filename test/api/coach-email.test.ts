import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { setupApi } from './harness.ts';

const api = await setupApi();

describe("coaches' emails over the API", () => {
  it('are not shown to members, in the accepting list or a single coach', async () => {
    const email = `c.${randomUUID()}@example.com`;
    const coach = await api.userWithToken('Coach', { email });
    const member = await api.userWithToken('Member');
    const listed = await api.call(member.token, { method: 'GET', url: '/coaches/accepting?limit=100' });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(email);
    expect(listed.body).not.toContain('"email"');
    const one = await api.call(member.token, { method: 'GET', url: `/coaches/${coach.id}` });
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty('email');
  });

  it('are shown to admins (single coach and the admin list) and to the coach themself', async () => {
    const email = `c.${randomUUID()}@example.com`;
    const coach = await api.userWithToken('Coach', { email });
    const admin = await api.userWithToken('Admin');
    expect((await api.call(admin.token, { method: 'GET', url: `/coaches/${coach.id}` })).json().email).toBe(email);
    expect((await api.call(admin.token, { method: 'GET', url: '/coaches?limit=100' })).body).toContain(email);
    expect((await api.call(coach.token, { method: 'GET', url: `/coaches/${coach.id}` })).json().email).toBe(email);
  });
});
