export { AuditFollower, type AuditFollowerOptions, type FollowedEntry } from './audit-follower';
export { notificationsFor, type Notification, type NotificationKind } from './notification-rules';
export { SIGNATURE_HEADER, notificationBody, sendWebhook, signBody, type WebhookTarget } from './webhook-sender';
export { MAX_NOTE_LENGTH, incidentNoteText, noteApplies, noteTransitionsFor, type NoteTransition } from './incident-notes';
export { IncidentNoteLog, MAX_NOTES_PER_RECORD, NOTE_LOG_TTL_SECONDS } from './incident-note-log';
