import type { Db, ChatPlatform } from '../../db/client.ts';
import type { Prisma } from '../../db/client.ts';

// Persistence of chat app installations (multi-workspace OAuth). The composition root hands these
// functions to the adapter, which never touches Prisma itself; the record is the SDK's own JSON.

export interface InstallationRecords {
  find(key: string): Promise<unknown | null>;
  save(key: string, data: unknown): Promise<void>;
  remove(key: string): Promise<void>;
}

export function createInstallationRecords(db: Db, platform: ChatPlatform): InstallationRecords {
  return {
    async find(key) {
      const row = await db.chatInstallation.findUnique({ where: { platform_key: { platform, key } }, select: { data: true } });
      return row?.data ?? null;
    },
    async save(key, data) {
      const json = data as Prisma.InputJsonValue;
      await db.chatInstallation.upsert({
        where: { platform_key: { platform, key } },
        create: { platform, key, data: json },
        update: { data: json },
      });
    },
    async remove(key) {
      await db.chatInstallation.deleteMany({ where: { platform, key } });
    },
  };
}
