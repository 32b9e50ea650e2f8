export {
  currentDeadline,
  DeadlineExceededError,
  deadlineSignal,
  remainingMs,
  runWithDeadline,
  throwIfExpired,
} from './deadline.js';
export { OverloadedError, WorkLimit, type WorkLimitOptions } from './work-limit.js';
