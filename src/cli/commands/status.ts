// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'status',
  summary: '',
  help: 'flowops status: not built yet',
  async run() {
    throw new Error('flowops status is not built yet');
  },
};
