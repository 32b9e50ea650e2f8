export {
  currentDeadline,
  DeadlineExceededError,
  deadlineSignal,
  remainingMs,
  runWithDeadline,
  throwIfExpired,
} from './deadline.js';
export { callId, currentOperation, identifyOperation, type Operation, operationId, uuidFrom } from './operation.js';
export { OverloadedError, WorkLimit, type WorkLimitOptions } from './work-limit.js';
