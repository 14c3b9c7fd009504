// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'validate',
  summary: '',
  help: 'flowops validate: not built yet',
  async run() {
    throw new Error('flowops validate is not built yet');
  },
};
