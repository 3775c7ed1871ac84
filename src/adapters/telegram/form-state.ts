import type { Redis } from 'ioredis';
import type { Form } from '../../bot/view.ts';

// A form is asked one input at a time; between two answers its progress lives in Redis, keyed by
// the user, so whichever bot process receives the next message continues it.

/** An abandoned form is forgotten after a day. */
const FORM_TTL_SECONDS = 24 * 60 * 60;

export interface FormProgress {
  form: Form;
  /** Index of the input being asked. */
  step: number;
  values: Record<string, string>;
  chatId: string;
  /** The prompt message now on screen, whose Skip/Cancel buttons are removed once answered. */
  promptMessageId?: number;
}

export interface FormState {
  read(userId: string): Promise<FormProgress | null>;
  write(userId: string, progress: FormProgress): Promise<void>;
  clear(userId: string): Promise<void>;
}

export function createFormState(redis: Redis, keyPrefix: string): FormState {
  const key = (userId: string) => `${keyPrefix}:form:${userId}`;
  return {
    async read(userId) {
      const raw = await redis.get(key(userId));
      return raw ? (JSON.parse(raw) as FormProgress) : null;
    },
    async write(userId, progress) {
      await redis.set(key(userId), JSON.stringify(progress), 'EX', FORM_TTL_SECONDS);
    },
    async clear(userId) {
      await redis.del(key(userId));
    },
  };
}
