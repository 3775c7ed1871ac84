import type { MessageRef } from '../../bot/inbound.ts';

// A Slack message is addressed by workspace, channel and ts. MessageRef has no workspace field, so
// the team rides in channelId as "<team>/<channel>": with several workspaces installed, an edit must
// know whose token to use. Slack ids never contain "/".

export function messageRef(teamId: string, channel: string, ts: string): MessageRef {
  return { platform: 'slack', channelId: `${teamId}/${channel}`, messageId: ts };
}

export function parseMessageRef(ref: MessageRef): { teamId: string; channel: string; ts: string } {
  const at = ref.channelId.indexOf('/');
  if (ref.platform !== 'slack' || at <= 0) throw new Error(`not a Slack message reference: ${ref.platform} ${ref.channelId}`);
  return { teamId: ref.channelId.slice(0, at), channel: ref.channelId.slice(at + 1), ts: ref.messageId };
}
