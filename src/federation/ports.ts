import type { Repository } from '../common/entity.ts';
import type { Connection } from './model.ts';

export type ConnectionStore = Repository<Connection>;
