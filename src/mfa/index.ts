export { createEmailOtp, DEFAULT_EMAIL_OTP_LIMITS, type EmailOtp, type EmailOtpDeps, type EmailOtpLimits, type SendOtpInput, type VerifyOtpInput } from './email-otp.ts';
export { OtpLockedError, OtpRejectedError, OtpResendLimitedError, type OtpRejection } from './errors.ts';
export { renderOtpMail, type OtpMailContext, type RenderOtpMail } from './mail.ts';
