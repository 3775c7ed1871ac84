import type { FakeTelegram, SentMessage } from '../fakes/telegram.ts';
import { WEBHOOK_PATH, WEBHOOK_SECRET } from './fleet.ts';

// A member booking from Telegram, as Telegram delivers it: each update is posted to one of the bot
// processes' webhooks in turn, and posted again (same update_id) until one answers 200, as
// Telegram redelivers. The member reads the chat as the fake Bot API holds it.

let nextUpdateId = 9_000_000;
let nextCallbackId = 1;

export class TelegramMember {
  private next = 0;
  constructor(
    private readonly fake: FakeTelegram,
    private readonly webhookPorts: () => number[],
    readonly chatId: number,
  ) {}

  private mine(): SentMessage[] {
    return [...this.fake.messages.values()].filter((m) => m.chatId === String(this.chatId)).sort((a, b) => a.messageId - b.messageId);
  }

  last(): SentMessage | undefined {
    return this.mine().at(-1);
  }

  private async post(update: unknown): Promise<void> {
    for (let tries = 1; ; tries++) {
      const ports = this.webhookPorts();
      const port = ports[this.next++ % ports.length]!;
      try {
        const res = await fetch(`http://127.0.0.1:${port}${WEBHOOK_PATH}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': WEBHOOK_SECRET },
          body: JSON.stringify(update),
        });
        await res.text();
        if (res.status === 200) return;
      } catch {
        // Not answered: Telegram tries again later.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, 50 * tries)));
    }
  }

  /** Sends a text until the chat shows `expected` (a message or a button label): a bot that could not serve it says to try again. */
  async say(text: string, expected: RegExp): Promise<void> {
    await this.step(expected, async () => {
      const id = nextUpdateId++;
      const from = { id: this.chatId, is_bot: false, first_name: `Chatter${this.chatId}` };
      await this.post({
        update_id: id,
        message: {
          message_id: id,
          date: Math.floor(Date.now() / 1000),
          from,
          chat: { id: this.chatId, type: 'private', first_name: from.first_name },
          text,
          ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }] } : {}),
        },
      });
      return null;
    });
  }

  /** Taps the newest button whose label matches (notifications may have come in since) until the chat shows `expected`. */
  async tap(label: RegExp, expected: RegExp): Promise<void> {
    const buttonsOf = (m: SentMessage) =>
      (m.replyMarkup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard?.flat() ?? [];
    await this.step(expected, async () => {
      const message = this.mine().reverse().find((m) => buttonsOf(m).some((b) => label.test(b.text)));
      if (!message) throw new Error(`chat ${this.chatId}: no button ${String(label)}; last message: ${JSON.stringify(this.last())}`);
      const button = buttonsOf(message).find((b) => label.test(b.text))!;
      const from = { id: this.chatId, is_bot: false, first_name: `Chatter${this.chatId}` };
      const queryId = `chaos${nextCallbackId++}`;
      await this.post({
        update_id: nextUpdateId++,
        callback_query: {
          id: queryId,
          from,
          chat_instance: String(this.chatId),
          data: button.callback_data,
          message: { message_id: message.messageId, date: Math.floor(Date.now() / 1000), chat: { id: this.chatId, type: 'private', first_name: from.first_name }, text: message.text },
        },
      });
      return queryId;
    });
  }

  /**
   * Acts until the chat shows `expected`. The bot answers each callback query once: when that
   * answer (or a new message) says to try again, the member does, as a person would.
   */
  private async step(expected: RegExp, act: () => Promise<string | null>): Promise<void> {
    for (let tries = 1; tries <= 50; tries++) {
      const seen = this.mine().length;
      const queryId = await act();
      const retry = () => {
        const answer = queryId ? this.fake.callsOf('answerCallbackQuery').find((c) => c.payload.callback_query_id === queryId) : undefined;
        return TRY_AGAIN.test(String(answer?.payload.text ?? '')) || this.mine().slice(seen).some((m) => TRY_AGAIN.test(m.text));
      };
      await this.fake.until(() => this.shows(expected) || retry());
      if (this.shows(expected)) return;
      await new Promise((resolve) => setTimeout(resolve, 100 * tries));
    }
    throw new Error(`chat ${this.chatId}: never showed ${String(expected)}`);
  }

  private shows(pattern: RegExp): boolean {
    return this.mine().some((m) => pattern.test(m.text) || ((m.replyMarkup as { inline_keyboard?: { text: string }[][] } | undefined)?.inline_keyboard ?? []).flat().some((b) => pattern.test(b.text)));
  }
}

const TRY_AGAIN = /try again/i;
