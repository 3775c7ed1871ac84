export * from './outbox.ts';
export { createNotificationService, listNotificationsInput, NOTIFICATION_STATUSES, type NotificationService, type NotificationView } from './service.ts';
