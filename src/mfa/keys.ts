/*
 * Where email OTP state lives in the KV store. Per challenge (the sign-in interaction) there is one current
 * code; per issued code a single-use marker and an attempt counter; per user a send counter and a failure
 * counter that spans challenges.
 */
export const otpKeys = {
  /** The challenge's current code (OtpRecord); a resend overwrites it. */
  code: (challengeId: string) => `otp:code:${challengeId}`,
  /** Present while the code is unused; consumed atomically by the one verify that succeeds. */
  unused: (codeId: string) => `otp:unused:${codeId}`,
  /** Guesses at one issued code, counted before each comparison. */
  attempts: (codeId: string) => `otp:attempts:${codeId}`,
  /** Codes mailed to a user in the current window. */
  sends: (userId: string) => `otp:sends:${userId}`,
  /** Failed (or in-flight) comparisons for a user across every challenge in the current window. */
  failures: (userId: string) => `otp:failures:${userId}`,
};

export interface OtpRecord {
  codeId: string;
  userId: string;
  /** digestCode of the code; the code itself is never stored. */
  digest: string;
  /** Milliseconds since the epoch, by the service's clock. */
  expiresAt: number;
}
