export * from './outbox.ts';
export { createNotificationService, listNotificationsInput, NOTIFICATION_STATUSES, type NotificationService, type NotificationView } from './service.ts';
export { createNotificationDelivery, type ChatAddress, type ClaimedNotification, type ClaimResult, type NotificationDelivery } from './delivery.ts';
export { notificationBacklog, type NotificationBacklog } from './backlog.ts';
export { takeUnqueuedNotifications, undeliveredNotifications, type QueuedNotification } from './relay.ts';
export { materializeTimedNotifications, staleTimedReason, TIMED_NOTIFICATION_TYPES, type TimedSchedule, type TimedSessionState } from './timed.ts';
export { noticeRoute, noticeTarget, type ChatPlatformName, type RoutableIdentity } from './routing.ts';
