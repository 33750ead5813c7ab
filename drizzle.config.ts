import { defineConfig } from 'drizzle-kit';

// Used only by `npm run db:generate`; migrations are applied by src/db/migrate.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './drizzle',
});
