import type { Config } from '../../config.ts';
import { SLACK_BOT_SCOPES, type SlackSettings } from './adapter.ts';

/**
 * The Slack settings in the configuration, or undefined when Slack is not configured (the adapter
 * then does not start). OAuth needs all three of client id, secret and state secret.
 */
export function slackSettings(config: Config): SlackSettings | undefined {
  const oauth =
    config.SLACK_CLIENT_ID && config.SLACK_CLIENT_SECRET && config.SLACK_STATE_SECRET
      ? { clientId: config.SLACK_CLIENT_ID, clientSecret: config.SLACK_CLIENT_SECRET, stateSecret: config.SLACK_STATE_SECRET, scopes: SLACK_BOT_SCOPES, redirectUri: config.SLACK_REDIRECT_URI }
      : undefined;
  const hasCredentials = !!config.SLACK_BOT_TOKEN || !!oauth;
  const hasTransport = !!config.SLACK_SIGNING_SECRET || !!config.SLACK_APP_TOKEN;
  if (!hasCredentials || !hasTransport) return undefined;
  return {
    signingSecret: config.SLACK_SIGNING_SECRET,
    // A bot token means one workspace; it wins over OAuth when both are set.
    botToken: config.SLACK_BOT_TOKEN,
    oauth: config.SLACK_BOT_TOKEN ? undefined : oauth,
    appToken: config.SLACK_APP_TOKEN,
    host: config.SLACK_HOST,
    port: config.SLACK_PORT,
    workConcurrency: config.SLACK_WORK_CONCURRENCY,
    apiUrl: config.SLACK_API_URL,
  };
}
