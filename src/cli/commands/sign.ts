// Placeholder until the owning issue lands this command.
import type { Command } from '../command.ts';

export const command: Command = {
  name: 'sign',
  summary: '',
  help: 'flowops sign: not built yet',
  async run() {
    throw new Error('flowops sign is not built yet');
  },
};
