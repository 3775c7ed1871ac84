import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './generated/client.ts';

export { Prisma, PrismaClient } from './generated/client.ts';
export type * from './generated/models.ts';
export * from './generated/enums.ts';

export type Db = PrismaClient;
/** A client or an interactive transaction: what services write through. */
export type DbTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export interface DbOptions {
  /** Connections in this process's pool. */
  max?: number;
}

/** One client per composition root: there is no global client (STYLE §11). */
export function createDb(databaseUrl: string, options: DbOptions = {}): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: options.max ?? 10 });
  return new PrismaClient({ adapter });
}
