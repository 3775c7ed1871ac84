import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { InstallationRecords } from '../../core/chat/installations.ts';

// Bolt's installation store for multi-workspace installs, over the PostgreSQL records the
// composition root passes in. An org-wide (Enterprise Grid) install is found by its enterprise id,
// any other by its team id, as @slack/oauth's own stores do.

function installationKey(q: { isEnterpriseInstall?: boolean; enterpriseId?: string; teamId?: string }): string {
  if (q.isEnterpriseInstall && q.enterpriseId) return `enterprise:${q.enterpriseId}`;
  if (q.teamId) return `team:${q.teamId}`;
  throw new Error('an installation needs a team id or, for an org-wide install, an enterprise id');
}

export class InstallationNotFoundError extends Error {
  constructor(key: string) {
    super(`no Slack installation for ${key}`);
    this.name = 'InstallationNotFoundError';
  }
}

export function createInstallationStore(records: InstallationRecords): InstallationStore {
  return {
    async storeInstallation(installation) {
      const key = installationKey({
        isEnterpriseInstall: installation.isEnterpriseInstall,
        enterpriseId: installation.enterprise?.id,
        teamId: installation.team?.id,
      });
      await records.save(key, installation);
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const key = installationKey(query);
      const found = await records.find(key);
      if (!found) throw new InstallationNotFoundError(key);
      return found as Installation<'v2', boolean>;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await records.remove(installationKey(query));
    },
  };
}
