import type { Repository } from '../common/entity.ts';
import type { Connection, FederatedIdentity } from './model.ts';

export type ConnectionStore = Repository<Connection>;

export interface FederatedIdentityStore extends Repository<FederatedIdentity> {
  findBySubject(connectionId: string, subject: string): Promise<FederatedIdentity | undefined>;
}
