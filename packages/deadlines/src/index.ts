export {
  currentDeadline,
  DeadlineExceededError,
  deadlineSignal,
  remainingMs,
  runWithDeadline,
  throwIfExpired,
} from './deadline.js';
