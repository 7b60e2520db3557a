//! The diagnostic log: off unless `PYSHIP_LOG` is set, then `tracing` events (pyship's
//! libraries, and the `log` records of dependencies such as ureq) at the levels it selects, on
//! stderr. `PYSHIP_LOG` takes `tracing-subscriber` filter directives: `trace`, `debug`,
//! `pyship_publish=trace,ureq=debug`. ureq-proto's wire dumps are never logged (see [`init`]).
//!
//! Secrets never reach an event: the libraries hold them in types whose `Debug` redacts, and log
//! URLs without credentials. Every line still passes through [`redact::token_shapes`] on its way
//! out, as the last line of defence for text quoted from outside (an index's error body, for
//! example).

use std::io::{self, Write};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{self, LOG_ENV as ENV};
use crate::redact;

/// Installs the log when `PYSHIP_LOG` is set; a filter that does not parse is an error that
/// names the variable (its value is not shown: it is meant to be a filter, but could be
/// anything, a pasted token included).
pub(crate) fn init() -> anyhow::Result<()> {
    let Some(directives) = config::log_filter() else {
        return Ok(());
    };
    let Some(directives) = directives.to_str() else {
        anyhow::bail!("{ENV} is not UTF-8; expected filter directives such as `debug`");
    };
    let filter = EnvFilter::builder()
        .parse(directives)
        .map_err(|err| anyhow::anyhow!("{ENV} is not a log filter ({err}); expected directives such as `debug` or `pyship_publish=trace`"))?;
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(RedactingStderr)
        .with_ansi(false)
        .with_target(true)
        .finish();
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|err| anyhow::anyhow!("the log could not be installed: {err}"))?;
    // `log` records of dependencies join the log, except ureq-proto's: at trace level it dumps
    // every byte of each request, `Authorization` header included, in hex rows that no redaction
    // could piece together. ureq's own records list only headers it knows to be harmless.
    tracing_log::LogTracer::builder()
        .ignore_crate("ureq_proto")
        .init()
        .map_err(|err| anyhow::anyhow!("the log could not be installed: {err}"))
}

/// Hands out one [`EventWriter`] per event.
struct RedactingStderr;

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = EventWriter;

    fn make_writer(&'a self) -> Self::Writer {
        EventWriter(Vec::new())
    }
}

/// Collects one formatted event and writes it to stderr, redacted, when dropped.
struct EventWriter(Vec<u8>);

impl Write for EventWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let text = String::from_utf8_lossy(&self.0);
        // Nothing useful can be done when stderr is gone.
        let _ = io::stderr()
            .lock()
            .write_all(redact::token_shapes(&text).as_bytes());
    }
}
