//! The cookie-policy table as JSON (what `check` reads back as a published policy).

use super::{Renderer, ReportError, ReportInput};

/// `report --format json`.
pub struct Json;

impl Renderer for Json {
    fn render(&self, input: &ReportInput, out: &mut dyn std::io::Write) -> Result<(), ReportError> {
        serde_json::to_writer_pretty(&mut *out, &input.policy_table())?;
        out.write_all(b"\n")?;
        Ok(())
    }
}
