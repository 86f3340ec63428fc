//! The digest as a MIME message, and sending it over SMTP.

use chrono::{DateTime, Utc};

use crate::config::{Config, DigestFormat, EmailConfig, SmtpSecurity};
use crate::error::Error;

use super::*;

/// The digest as a MIME message: multipart/alternative with the text and HTML versions,
/// Subject from the title, From and To from `[digest.email]`, `Date: date`, and a
/// Message-ID made from the day and the content (so the same digest is the same message).
pub fn message(
    digest: &Digest,
    html: &str,
    text: &str,
    email: &EmailConfig,
    date: DateTime<Utc>,
) -> Result<lettre::Message, Error> {
    use lettre::message::{MultiPart, SinglePart, header::ContentType};
    let mail_err = |message: String| Error::Mail { message };
    let mailbox = |s: &str| {
        s.parse::<lettre::message::Mailbox>()
            .map_err(|e| mail_err(format!("{s:?} is not a mail address: {e}")))
    };
    let from = mailbox(&email.from)?;
    let hash = xxhash_rust::xxh3::xxh3_64(format!("{html}\u{0}{text}").as_bytes());
    let domain = from.email.domain().to_string();
    let mut builder = lettre::Message::builder()
        .from(from)
        .subject(digest.title.clone())
        .date(date.into())
        .message_id(Some(format!("<digest.{}.{hash:016x}@{domain}>", digest.day)));
    for to in &email.to {
        builder = builder.to(mailbox(to)?);
    }
    let body = MultiPart::alternative()
        .boundary(format!("feedmux-{hash:016x}"))
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(text.to_string()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(html.to_string()),
        );
    builder.multipart(body).map_err(|e| mail_err(e.to_string()))
}

/// Mails `message` over SMTP as `[digest.email]` says (`password`: the value of its
/// `password_env`, read by the caller).
pub fn send(message: &lettre::Message, email: &EmailConfig, password: Option<String>) -> Result<(), Error> {
    use lettre::Transport;
    use lettre::transport::smtp::{SmtpTransport, authentication::Credentials};
    let mail_err = |message: String| Error::Mail { message };
    let host = email
        .host
        .as_deref()
        .ok_or_else(|| mail_err("[digest.email] has no host to send through".into()))?;
    let builder = match email.security {
        SmtpSecurity::StartTls => SmtpTransport::starttls_relay(host),
        SmtpSecurity::Tls => SmtpTransport::relay(host),
        SmtpSecurity::None => Ok(SmtpTransport::builder_dangerous(host)),
    }
    .map_err(|e| mail_err(format!("{host}: {e}")))?;
    let mut builder = builder
        .port(email.port)
        .timeout(Some(std::time::Duration::from_secs(60)));
    if let Some(user) = &email.username {
        builder = builder.credentials(Credentials::new(user.clone(), password.unwrap_or_default()));
    }
    builder
        .build()
        .send(message)
        .map(|_| ())
        .map_err(|e| mail_err(format!("sending through {host}:{}: {e}", email.port)))
}

/// The digest as a mail dated `date`, addressed as `[digest.email]` says.
pub fn mail(
    cfg: &Config,
    templates: &Templates,
    digest: &Digest,
    date: DateTime<Utc>,
) -> Result<lettre::Message, Error> {
    let html = templates.digest(digest, DigestFormat::Html)?;
    let text = templates.digest(digest, DigestFormat::Text)?;
    message(digest, &html, &text, email_of(cfg)?, date)
}

pub(crate) fn email_of(cfg: &Config) -> Result<&EmailConfig, Error> {
    cfg.digest.email.as_ref().ok_or_else(|| Error::Mail {
        message: "a mail needs [digest.email] from and to".into(),
    })
}
