import { ChatDeliveryError, type ChatPort, type MessageRef, type Recipient, type View } from '../../bot/index.ts';
import { assertView } from '../../bot/index.ts';
import type { PlaygroundStore } from './store.ts';

/** The playground as a chat platform: direct messages and edits land in its Redis-backed history. */
export class WebChatPort implements ChatPort {
  readonly platform = 'web' as const;
  constructor(private readonly store: PlaygroundStore) {}

  async send(to: Recipient, view: View): Promise<MessageRef> {
    return this.store.append(to.platformUserId, assertView(view));
  }

  async edit(message: MessageRef, view: View): Promise<void> {
    const found = await this.store.replace(message, assertView(view));
    if (!found) throw new ChatDeliveryError('playground message is gone', { permanent: true });
  }
}
