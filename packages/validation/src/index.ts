export { describeIssues, ZodValidationPipe } from './zod-validation.pipe.js';
