/** The gateway's session-cookie key in its own tests (SESSION_SECRET must be at least 32 characters). */
export const TEST_SESSION_SECRET = 'test-session-secret-0123456789abcdef';
