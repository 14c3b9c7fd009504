// Pipeline artifact problems: a missing or malformed compiler output, a file
// that is not what its flag says. Each has a stable code; `data.file` names it.
import { FlowopsError } from '../shared/errors.ts';

export type PipelineErrorCode =
  | 'PIPELINE_FILE_MISSING'
  | 'PIPELINE_BMV2_JSON_INVALID'
  | 'PIPELINE_BF_CONF_MISSING'
  | 'PIPELINE_BF_CONF_INVALID'
  | 'PIPELINE_BF_FILE_MISSING'
  | 'PIPELINE_CONFIG_INVALID'
  | 'PIPELINE_ARCH_MISMATCH'
  | 'PIPELINE_OUT_INVALID';

export class PipelineError extends FlowopsError {
  constructor(code: PipelineErrorCode, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}
