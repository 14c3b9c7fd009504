// A spec directory's counted files (spec-tree.ts rules), for callers that need
// only the bytes (`flowops sign`, scripts, fixtures).
import { readDirTree } from './spec-tree.ts';

export function readSpecDir(dir: string): Map<string, Buffer> {
  return readDirTree(dir).files;
}
