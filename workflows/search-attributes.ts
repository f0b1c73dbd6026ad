// Custom search attributes: what operations staff filter on in the Temporal Web UI and CLI.
// Defined once here; `make dev`, the test server and docker-compose's setup job register this list.
// The dev server's SQLite store allows only a few per type (about 3 Int, 3 Datetime, 10 Keyword),
// so ids that are rarely filtered by range are Keywords.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const OwnerId = defineSearchAttributeKey('OwnerId', SearchAttributeType.INT);
export const PatientId = defineSearchAttributeKey('PatientId', SearchAttributeType.INT);
export const DentistId = defineSearchAttributeKey('DentistId', SearchAttributeType.INT);
export const AppointmentAt = defineSearchAttributeKey('AppointmentAt', SearchAttributeType.DATETIME);
export const ShareExpiresAt = defineSearchAttributeKey('ShareExpiresAt', SearchAttributeType.DATETIME);
export const AppointmentStatus = defineSearchAttributeKey('AppointmentStatus', SearchAttributeType.KEYWORD);
export const MediaFileId = defineSearchAttributeKey('MediaFileId', SearchAttributeType.KEYWORD);
export const MediaStatus = defineSearchAttributeKey('MediaStatus', SearchAttributeType.KEYWORD);
export const FolderId = defineSearchAttributeKey('FolderId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  OwnerId,
  PatientId,
  DentistId,
  AppointmentAt,
  ShareExpiresAt,
  AppointmentStatus,
  MediaFileId,
  MediaStatus,
  FolderId,
];
