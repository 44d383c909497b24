//! SMTP replies as a client reads them (RFC 5321 4.2).
