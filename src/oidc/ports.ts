import type { Repository } from '../common/entity.ts';
import type { Client, SigningKey } from './model.ts';

export type ClientStore = Repository<Client>;
export type SigningKeyStore = Repository<SigningKey>;
