import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRef } from '../../src/bot/inbound.ts';
import { ChatDeliveryError, type ChatPort, type Recipient } from '../../src/bot/port.ts';
import type { View } from '../../src/bot/view.ts';

// What every ChatPort must do (docs/design.md §6), run against each platform's adapter through its real
// SDK and a local fake of the platform: a platform is done when this suite passes for it.

export interface ChatPortHarness {
  port: ChatPort;
  /** A user the port can reach. */
  recipient: Recipient;
  /** A user the platform says does not exist or cannot be reached (blocked, deactivated). */
  unreachable: Recipient;
  /** Everything the platform shows of a message right now, as text (labels included). */
  read(message: MessageRef): Promise<string>;
  /** The platform answers the port's next call with a rate limit asking to wait `seconds`. */
  rateLimitNext(seconds: number): void;
  close(): Promise<void>;
}

function view(text: string): View {
  return {
    summary: text,
    blocks: [
      { type: 'header', text: 'Contract' },
      { type: 'text', text },
      { type: 'actions', elements: [{ type: 'button', label: 'Confirm', action: 'contract:confirm' }] },
    ],
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

export function describeChatPort(name: string, makeHarness: () => Promise<ChatPortHarness>): void {
  describe(`ChatPort contract: ${name}`, () => {
    let h: ChatPortHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    it('send delivers the view to the recipient and returns a reference to that message', async () => {
      const ref = await h.port.send(h.recipient, view('First hello'));
      expect(ref.platform).toBe(h.port.platform);
      expect(ref.channelId).not.toBe('');
      expect(ref.messageId).not.toBe('');
      expect(await h.read(ref)).toContain('First hello');
    });

    it('edit replaces that message in place, leaving other messages alone', async () => {
      const ref = await h.port.send(h.recipient, view('Before the edit'));
      const other = await h.port.send(h.recipient, view('Untouched neighbour'));
      expect(other.messageId).not.toBe(ref.messageId);
      await h.port.edit(ref, view('After the edit'));
      const shown = await h.read(ref);
      expect(shown).toContain('After the edit');
      expect(shown).not.toContain('Before the edit');
      expect(await h.read(other)).toContain('Untouched neighbour');
    });

    it('a rate limit surfaces as a ChatDeliveryError carrying the platform wait', async () => {
      h.rateLimitNext(7);
      const error = await rejection(h.port.send(h.recipient, view('Too fast')));
      expect(error).toBeInstanceOf(ChatDeliveryError);
      expect((error as ChatDeliveryError).retryAfterMs).toBe(7000);
      expect((error as ChatDeliveryError).permanent).toBe(false);
    });

    it('a recipient the platform cannot reach is a permanent ChatDeliveryError', async () => {
      const error = await rejection(h.port.send(h.unreachable, view('Nobody home')));
      expect(error).toBeInstanceOf(ChatDeliveryError);
      expect((error as ChatDeliveryError).permanent).toBe(true);
    });

    it('editing a message that does not exist is a permanent ChatDeliveryError', async () => {
      const ref = await h.port.send(h.recipient, view('Real one'));
      const error = await rejection(h.port.edit({ ...ref, messageId: `${ref.messageId}9` }, view('Ghost')));
      expect(error).toBeInstanceOf(ChatDeliveryError);
      expect((error as ChatDeliveryError).permanent).toBe(true);
    });
  });
}
