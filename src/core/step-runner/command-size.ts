/**
 * How large a manifest command may be once it travels in a SendCommand.
 *
 * SSM counts the document's content and the parameter values given at run
 * time against one quota: "The content of the document must not exceed 64KB.
 * This quota also includes the content specified for input parameters at
 * runtime" (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreateDocument.html,
 * `Content`); SendCommand answers `MaxDocumentSizeExceeded` beyond it
 * (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html, Errors).
 * The `Script` parameter's allowedPattern cannot bound the size itself: the
 * SSM Agent compiles it with Go's regexp (RE2), which rejects repeat counts
 * above 1000. So the bound lives here, checked when the manifest is read.
 */
export const COMMAND_DOCUMENT_LIMIT_BYTES = 64 * 1024;

/** What the step-runner document's own content may use of that quota (a construct test holds the synthesized document to it). */
export const STEP_RUNNER_DOCUMENT_BUDGET_BYTES = 8 * 1024;

/** What the other parameters may use (UpdateId ≤ 80, Kind, Step ≤ 63, Release and Previous ≤ 64 characters each, with room to spare). */
export const STEP_RUNNER_OTHER_PARAMETERS_BUDGET_BYTES = 1024;

/** The longest `Script` value (base64) a step may send. */
export const MAX_SCRIPT_PARAMETER_BYTES = COMMAND_DOCUMENT_LIMIT_BYTES - STEP_RUNNER_DOCUMENT_BUDGET_BYTES - STEP_RUNNER_OTHER_PARAMETERS_BUDGET_BYTES;

/** The longest manifest command (UTF-8 bytes) whose base64 fits `MAX_SCRIPT_PARAMETER_BYTES`. */
export const MAX_COMMAND_BYTES = Math.floor(MAX_SCRIPT_PARAMETER_BYTES / 4) * 3;

/** Whether a manifest command fits a SendCommand of the step-runner document. */
export function commandFitsStepRunner(command: string): boolean {
  return Buffer.byteLength(command, 'utf8') <= MAX_COMMAND_BYTES;
}
