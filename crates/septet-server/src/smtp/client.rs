//! The relay's SMTP client.
