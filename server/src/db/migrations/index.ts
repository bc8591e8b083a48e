import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261123133540 } from './Migration20261123133540.js';
import { Migration20261123133600 } from './Migration20261123133600.js';
import { Migration20261123135520 } from './Migration20261123135520.js';
import { Migration20261123140500 } from './Migration20261123140500.js';
import { Migration20261201052548 } from './Migration20261201052548.js';
import { Migration20261201052805 } from './Migration20261201052805.js';
import { Migration20261201100000 } from './Migration20261201100000.js';
import { Migration20261202090000 } from './Migration20261202090000.js';
import { Migration20261202100000 } from './Migration20261202100000.js';
import { Migration20261203090000 } from './Migration20261203090000.js';
import { Migration20261203100000 } from './Migration20261203100000.js';
import { Migration20261204090000 } from './Migration20261204090000.js';
import { Migration20261205090000 } from './Migration20261205090000.js';

/** Every migration, in order. `npm run migration:create` writes new files; list them here. */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261123133540', class: Migration20261123133540 },
  { name: 'Migration20261123133600', class: Migration20261123133600 },
  { name: 'Migration20261123135520', class: Migration20261123135520 },
  { name: 'Migration20261123140500', class: Migration20261123140500 },
  { name: 'Migration20261201052548', class: Migration20261201052548 },
  { name: 'Migration20261201052805', class: Migration20261201052805 },
  { name: 'Migration20261201100000', class: Migration20261201100000 },
  { name: 'Migration20261202090000', class: Migration20261202090000 },
  { name: 'Migration20261202100000', class: Migration20261202100000 },
  { name: 'Migration20261203090000', class: Migration20261203090000 },
  { name: 'Migration20261203100000', class: Migration20261203100000 },
  { name: 'Migration20261204090000', class: Migration20261204090000 },
  { name: 'Migration20261205090000', class: Migration20261205090000 },
];
