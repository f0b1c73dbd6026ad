// Loaded by path (DataConverter.failureConverterPath): bundled into the workflow sandbox and required
// by the worker and clients. A failure's message and stack trace are moved into an encoded payload,
// so the payload codec encrypts them too; an error message can quote what a patient wrote.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
